"""Events of an order's life that other features react to, without orders importing them.

Receivers run inside the sender's transaction (the caller commits), so their changes land
together with the order's move, or not at all.
"""
from blinker import Namespace

_signals = Namespace()

# Sent with the Order (locked, in the caller's transaction) once it has moved to `refunded`.
order_refunded = _signals.signal("order-refunded")

# Sent with the Order (locked, in the caller's transaction) once a chargeback moved it to `disputed`.
order_disputed = _signals.signal("order-disputed")
