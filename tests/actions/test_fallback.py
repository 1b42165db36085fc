"""When NLU is not sure: rephrase with the likeliest topics as buttons; after two misses in a row,
offer a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback
from tests.actions.trackers import DOMAIN, fallback_event, responses, tracker, user_event

RANKING = [  # as FallbackClassifier reports it: nlu_fallback first, then the classifier's guesses
    {"name": "nlu_fallback", "confidence": 0.7},
    {"name": "shipping_cost", "confidence": 0.41},
    {"name": "greet", "confidence": 0.2},
    {"name": "delivery_time", "confidence": 0.15},
    {"name": "payment_methods", "confidence": 0.1},
    {"name": "return_policy", "confidence": 0.08},
]


async def fallback(**conversation: Any) -> list[dict[str, Any]]:
    """The messages action_fallback sends when the latest message was not understood."""
    dispatcher = CollectingDispatcher()
    conversation.setdefault("intent_ranking", RANKING)
    assert await ActionFallback().run(dispatcher, tracker(intent="nlu_fallback", **conversation), DOMAIN) == []
    responses(dispatcher)  # every response is in the domain with its variables
    return dispatcher.messages


async def test_first_miss_asks_to_rephrase_with_the_three_likeliest_topics() -> None:
    [message] = await fallback(text="spedizone quanto?")
    assert message["response"] == "utter_fallback_rephrase"
    assert message["buttons"] == [
        {"title": "Costi di spedizione", "payload": "/shipping_cost"},
        {"title": "Tempi di consegna", "payload": "/delivery_time"},
        {"title": "Metodi di pagamento", "payload": "/payment_methods"},
    ]


async def test_topic_buttons_follow_the_conversation_language() -> None:
    [message] = await fallback(slots={"language": "en"}, text="shiping how much?")
    assert [button["title"] for button in message["buttons"]] == ["Shipping costs", "Delivery times", "Payment methods"]


async def test_fewer_known_topics_give_fewer_buttons() -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.7},
        {"name": "greet"},
        {"name": "cancel_order"},
        {"name": "thank"},
    ]
    [message] = await fallback(text="boh", intent_ranking=ranking)
    assert message["buttons"] == [{"title": "Annullare un ordine", "payload": "/cancel_order"}]


async def test_miss_after_an_understood_message_is_a_first_miss() -> None:
    history = [fallback_event(), user_event("spedizione in Germania?", intent="shipping_cost")]
    [message] = await fallback(history=history, text="e per il ritorno?")
    assert message["response"] == "utter_fallback_rephrase"


async def test_second_miss_in_a_row_offers_a_person() -> None:
    [message] = await fallback(history=[fallback_event()], text="non capisco")
    assert message["response"] == "utter_fallback_offer_human"
    assert message["buttons"] == []  # the response's own buttons (a person / try again) are in the domain
