# Environment shared by every script that runs Rasa (sourced, not executed).
export RASA_TELEMETRY_ENABLED=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export TF_CPP_MIN_LOG_LEVEL=2
export PYTHONWARNINGS="ignore::DeprecationWarning"
