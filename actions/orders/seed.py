"""Deterministic demo orders for development, tests and demos, dated relative to `today`.

``seed_demo_orders(store, today)`` writes 50 orders: the fixed ones below, which tests and the README
rely on, plus 43 generated with ``random.Random(42)`` (same `today`, same orders), covering every state,
the carriers BRT, GLS, Poste Italiane and DHL, every payment method, Italian customers (Sardinia and
Sicily included) and English, German and French customers abroad, and non-returnable items.

========  ==========================  ===================================  ================  ====
order     state                       email                                phone             lang
========  ==========================  ===================================  ================  ====
100001    placed (card)               mario.rossi@example.com              +39 347 123 4567  it
100002    shipped (DHL, to London)    emma.clark@example.co.uk             +44 7700 900123   en
100003    delivered 5 days ago, one   giulia.bianchi@example.it            +39 338 987 6543  it
          non-returnable item
100004    delivered 60 days ago       john.smith@example.com               +44 7700 900456   en
100005    cancelled, pending refund   luca.verdi@example.it                +39 320 555 0101  it
100006    delivered 3 days ago,       sarah.jones@example.com              +44 7700 900789   en
          issued refund
100007    processing (pay later)      anna.schmidt@example.de              +49 151 2345 6789 en
========  ==========================  ===================================  ================  ====
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from actions.orders.model import Address, Order, OrderItem, OrderStatus, Refund
from actions.orders.sql import SqlOrderStore


@dataclass(frozen=True)
class DemoOrder:
    order_id: str
    status: OrderStatus
    email: str
    phone: str
    language: str


DEMO_ORDERS: tuple[DemoOrder, ...] = (  # the table above
    DemoOrder("100001", OrderStatus.PLACED, "mario.rossi@example.com", "+393471234567", "it"),
    DemoOrder("100002", OrderStatus.SHIPPED, "emma.clark@example.co.uk", "+447700900123", "en"),
    DemoOrder("100003", OrderStatus.DELIVERED, "giulia.bianchi@example.it", "+393389876543", "it"),
    DemoOrder("100004", OrderStatus.DELIVERED, "john.smith@example.com", "+447700900456", "en"),
    DemoOrder("100005", OrderStatus.CANCELLED, "luca.verdi@example.it", "+393205550101", "it"),
    DemoOrder("100006", OrderStatus.DELIVERED, "sarah.jones@example.com", "+447700900789", "en"),
    DemoOrder("100007", OrderStatus.PROCESSING, "anna.schmidt@example.de", "+4915123456789", "en"),
)

RETURN_WINDOW_DAYS = 30  # "recently delivered" orders fall inside it, "long ago" ones outside

# sku, Italian name, English name, price, returnable (personalised and final-sale items are not)
CATALOGUE: tuple[tuple[str, str, str, str, bool], ...] = (
    ("SHO-MOC-01", "Mocassini in pelle marrone", "Brown leather loafers", "189.00", True),
    ("SHO-DER-02", "Stringate Derby nere", "Black Derby lace-up shoes", "219.00", True),
    ("SHO-SNK-03", "Sneaker in pelle bianca", "White leather sneakers", "149.00", True),
    ("SHO-CHE-04", "Stivaletti Chelsea in camoscio", "Suede Chelsea boots", "249.00", True),
    ("SHO-SAN-05", "Sandali in cuoio (fine serie)", "Leather sandals (final sale)", "79.00", False),
    ("BAG-TOT-01", "Borsa tote in pelle", "Leather tote bag", "329.00", True),
    ("BAG-TRA-02", "Borsa a tracolla", "Leather crossbody bag", "259.00", True),
    ("BAG-ZAI-03", "Zaino in pelle", "Leather backpack", "299.00", True),
    ("BAG-WKD-04", "Borsone da viaggio con iniziali", "Weekender bag with initials", "459.00", False),
    ("BLT-CLA-01", "Cintura classica in pelle", "Classic leather belt", "69.00", True),
    ("BLT-REV-02", "Cintura reversibile", "Reversible belt", "89.00", True),
    ("BLT-INC-03", "Cintura con incisione personalizzata", "Belt with personalised engraving", "99.00", False),
    ("WAL-BIF-01", "Portafoglio bifold", "Bifold wallet", "79.00", True),
    ("WAL-CAR-02", "Porta carte di credito", "Card holder", "45.00", True),
    ("WAL-MON-03", "Portafoglio con monogramma", "Monogrammed wallet", "95.00", False),
    ("JKT-BIK-01", "Giacca biker in pelle", "Leather biker jacket", "590.00", True),
    ("JKT-BOM-02", "Bomber in camoscio", "Suede bomber jacket", "520.00", True),
    ("JKT-OUT-03", "Giubbotto in pelle (vendita finale)", "Leather jacket (final sale)", "350.00", False),
)
_BY_SKU = {entry[0]: entry for entry in CATALOGUE}

# street, postcode, city
ITALIAN_PLACES = (
    ("Via Montenapoleone 8", "20121", "Milano"),
    ("Via Nazionale 51", "00184", "Roma"),
    ("Via dei Calzaiuoli 12", "50122", "Firenze"),
    ("Via Toledo 156", "80134", "Napoli"),
    ("Via Po 21", "10124", "Torino"),
    ("Via dell'Indipendenza 33", "40121", "Bologna"),
    ("Corso Vittorio Emanuele 120", "70122", "Bari"),
    ("Via Roma 45", "09124", "Cagliari"),  # Sardinia
    ("Corso Umberto 88", "07026", "Olbia"),  # Sardinia
    ("Via Maqueda 210", "90133", "Palermo"),  # Sicily
    ("Via Etnea 77", "95131", "Catania"),  # Sicily
)
ITALIAN_FIRST = ("Marco", "Francesca", "Alessandro", "Chiara", "Davide", "Sara", "Matteo", "Elena", "Salvo")
ITALIAN_LAST = ("Russo", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Sanna", "Lombardo")
# country, phone prefix, digits after it, e-mail tld, first names, last names, (street, postcode, city)
FOREIGN = (
    (
        "GB",
        "+447700900",
        3,
        "co.uk",
        ("Oliver", "Amelia", "Harry"),
        ("Taylor", "Brown", "Wilson"),
        (("14 King Street", "M2 4LQ", "Manchester"), ("221 Baker Street", "NW1 6XE", "London")),
    ),
    (
        "DE",
        "+49151",
        8,
        "de",
        ("Lukas", "Lena", "Jonas"),
        ("Müller", "Schneider", "Fischer"),
        (("Friedrichstraße 43", "10117", "Berlin"), ("Leopoldstraße 9", "80802", "München")),
    ),
    (
        "FR",
        "+336",
        8,
        "fr",
        ("Camille", "Louis", "Chloé"),
        ("Martin", "Bernard", "Dubois"),
        (("12 Rue de Rivoli", "75004", "Paris"), ("8 Rue de la République", "69002", "Lyon")),
    ),
)
TRACKING_URLS = {
    "BRT": "https://vas.brt.it/vas/sped_det_show.hsm?Nspediz={}",
    "GLS": "https://gls-group.com/IT/it/servizi-online/ricerca-spedizioni?match={}",
    "Poste Italiane": "https://www.poste.it/cerca/index.html#/risultati-spedizioni/{}",
    "DHL": "https://www.dhl.com/it-en/home/tracking/tracking-express.html?tracking-id={}",
}
ITALIAN_PAYMENTS = ("card", "paypal", "bank_transfer", "cash_on_delivery", "pay_later")
FOREIGN_PAYMENTS = ("card", "paypal", "bank_transfer", "pay_later")


@dataclass(frozen=True)
class _Customer:
    email: str
    phone: str
    language: str
    address: Address


def _tracking_number(rng: random.Random, carrier: str) -> str:
    if carrier == "Poste Italiane":
        return f"RR{rng.randrange(10**8, 10**9)}IT"
    if carrier == "GLS":
        return f"IT{rng.randrange(10**9, 10**10)}"
    return str(rng.randrange(10**11, 10**12))


def _build(
    rng: random.Random,
    today: date,
    order_id: str,
    customer: _Customer,
    status: OrderStatus,
    days_ago: int,
    lines: list[tuple[str, int]],
    payment: str,
    carrier: str | None = None,
    refund: str | None = None,
) -> Order:
    """One order whose last event (placed, processing, shipped, delivered, cancelled) was `days_ago`.

    `refund` ("pending" or "issued") adds a refund: of the total for a cancelled order, of the first
    returnable item (a return already processed) for a delivered one."""
    items = tuple(
        OrderItem(sku, name_it, name_en, quantity, Decimal(price), returnable)
        for sku, quantity in lines
        for _, name_it, name_en, price, returnable in [_BY_SKU[sku]]
    )
    subtotal = sum((item.unit_price * item.quantity for item in items), Decimal("0.00"))
    country = customer.address.country
    if country == "IT":
        shipping = Decimal("0.00") if subtotal >= 150 else Decimal("7.90")
    else:
        shipping = Decimal("19.90") if country == "GB" else Decimal("14.90")
    total = subtotal + shipping

    event_at = datetime.combine(
        today - timedelta(days=days_ago), time(rng.randint(8, 19), rng.randrange(60)), tzinfo=timezone.utc
    )
    created_at, shipped_at, delivered_at = event_at, None, None
    if status == OrderStatus.SHIPPED:
        shipped_at = event_at
    elif status == OrderStatus.DELIVERED:
        shipped_at, delivered_at = event_at - timedelta(days=2), event_at
    if shipped_at is None:
        carrier = tracking = expected = None
    else:
        created_at = shipped_at - timedelta(days=1)
        carrier = carrier or ("BRT" if country == "IT" else "DHL")
        tracking = _tracking_number(rng, carrier)
        expected = shipped_at.date() + timedelta(days=4 if country == "IT" else 6)

    refunds: tuple[Refund, ...] = ()
    returned = next((item.unit_price for item in items if item.returnable), None)
    amount = total if status == OrderStatus.CANCELLED else returned
    if refund and amount is not None:
        refund_at = event_at + timedelta(days=0 if status == OrderStatus.CANCELLED else 1, hours=1)
        issued_at = refund_at + timedelta(days=1) if refund == "issued" else None
        refunds = (Refund(f"REF-{order_id}-1", order_id, amount, refund, refund_at, issued_at),)

    return Order(
        order_id=order_id,
        email=customer.email,
        phone=customer.phone,
        language=customer.language,
        status=status,
        created_at=created_at,
        items=items,
        shipping_address=customer.address,
        subtotal=subtotal,
        shipping_cost=shipping,
        total=total,
        payment_method=payment,
        carrier=carrier,
        tracking_number=tracking,
        tracking_url=TRACKING_URLS[carrier].format(tracking) if carrier else None,
        shipped_at=shipped_at,
        expected_delivery=expected,
        delivered_at=delivered_at,
        refunds=refunds,
    )


# For each of DEMO_ORDERS: days since its last event, skus (one of each), payment, carrier, refund, address
_FIXED: tuple[tuple[int, str, str, str | None, str | None, str, str, str, str, str], ...] = (
    (1, "SHO-MOC-01 BLT-CLA-01", "card", None, None, "Mario Rossi", "Via Torino 15", "20123", "Milano", "IT"),
    (1, "BAG-TRA-02", "paypal", "DHL", None, "Emma Clark", "10 Fleet Street", "EC4Y 1AA", "London", "GB"),
    (5, "BAG-TOT-01 BLT-INC-03", "paypal", "BRT", None, "Giulia Bianchi", "Via Sonnino 32", "09127", "Cagliari", "IT"),
    (60, "JKT-BIK-01", "card", "DHL", None, "John Smith", "5 Deansgate", "M3 4LQ", "Manchester", "GB"),
    (1, "SHO-CHE-04 WAL-BIF-01", "card", None, "pending", "Luca Verdi", "Via Libertà 101", "90143", "Palermo", "IT"),
    (3, "WAL-CAR-02 SHO-SNK-03", "card", "DHL", "issued", "Sarah Jones", "3 Park Row", "BS1 5LJ", "Bristol", "GB"),
    (1, "BAG-ZAI-03", "pay_later", None, None, "Anna Schmidt", "Torstraße 140", "10119", "Berlin", "DE"),
)


def _fixed_orders(rng: random.Random, today: date) -> list[Order]:
    orders = []
    for demo, (days_ago, skus, payment, carrier, refund, *address) in zip(DEMO_ORDERS, _FIXED, strict=True):
        customer = _Customer(demo.email, demo.phone, demo.language, Address(*address))
        lines = [(sku, 1) for sku in skus.split()]
        orders.append(
            _build(rng, today, demo.order_id, customer, demo.status, days_ago, lines, payment, carrier, refund)
        )
    return orders


def _random_customers(rng: random.Random) -> list[_Customer]:
    customers = []
    for first, last in zip(rng.sample(ITALIAN_FIRST, 9), rng.sample(ITALIAN_LAST, 9), strict=True):
        street, postcode, city = rng.choice(ITALIAN_PLACES)
        phone = f"+393{rng.randrange(20, 50)}{rng.randrange(10**6, 10**7)}"
        address = Address(f"{first} {last}", street, postcode, city, "IT")
        customers.append(_Customer(f"{first}.{last}@example.it".lower(), phone, "it", address))
    for country, prefix, digits, tld, firsts, lasts, places in FOREIGN:
        for first, last, (street, postcode, city) in zip(firsts, lasts, places + places[:1], strict=True):
            phone = f"{prefix}{rng.randrange(10 ** (digits - 1), 10**digits)}"
            email = f"{first}.{last}@example.{tld}".lower().replace("ü", "ue").replace("é", "e")
            address = Address(f"{first} {last}", street, postcode, city, country)
            customers.append(_Customer(email, phone, "en", address))
    return customers


# status, range of days since its last event, refund; 43 orders, 50 with the fixed ones
_PLAN: tuple[tuple[OrderStatus, tuple[int, int], str | None, int], ...] = (
    (OrderStatus.PLACED, (1, 1), None, 6),
    (OrderStatus.PROCESSING, (1, 2), None, 6),
    (OrderStatus.SHIPPED, (1, 3), None, 8),
    (OrderStatus.DELIVERED, (1, RETURN_WINDOW_DAYS - 5), None, 7),  # inside the return window
    (OrderStatus.DELIVERED, (RETURN_WINDOW_DAYS + 5, 150), None, 6),  # outside it
    (OrderStatus.DELIVERED, (RETURN_WINDOW_DAYS + 5, 150), "issued", 2),
    (OrderStatus.CANCELLED, (1, 3), "pending", 4),
    (OrderStatus.CANCELLED, (5, 30), "issued", 4),
)


def demo_orders(today: date) -> list[Order]:
    """The demo orders, always the same for the same `today`."""
    rng = random.Random(42)
    result = _fixed_orders(rng, today)
    customers = _random_customers(rng)
    plan = [(status, days, refund) for status, days, refund, count in _PLAN for _ in range(count)]
    rng.shuffle(plan)
    italian_carriers = itertools.cycle(("BRT", "GLS", "Poste Italiane"))  # so that each one appears
    for order_id, (status, days, refund) in zip(rng.sample(range(200000, 1000000), len(plan)), plan, strict=True):
        customer = rng.choice(customers)
        payment = rng.choice(ITALIAN_PAYMENTS if customer.address.country == "IT" else FOREIGN_PAYMENTS)
        if payment == "cash_on_delivery" and status == OrderStatus.CANCELLED:
            refund = None  # nothing was charged
        skus = rng.sample([entry[0] for entry in CATALOGUE], rng.choice((1, 1, 2, 3)))
        lines = [(sku, rng.choice((1, 1, 1, 2))) for sku in skus]
        carrier = next(italian_carriers) if customer.address.country == "IT" else "DHL"
        days_ago = rng.randint(*days)
        result.append(_build(rng, today, str(order_id), customer, status, days_ago, lines, payment, carrier, refund))
    return result


def seed_demo_orders(store: SqlOrderStore, today: date) -> int:
    """Write the demo orders into `store` (whose schema exists); returns how many."""
    orders = demo_orders(today)
    store.add_orders(orders)
    return len(orders)
