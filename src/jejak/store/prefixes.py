"""How a person's id is written when it is not a customer id (see
:mod:`jejak.store.identity`): ``anon:<anonymous_id>``, or a contact key
``email:...`` / ``phone:...`` (see :mod:`jejak.store.contacts`). Apart from
identity's Ibis, so that storing touchpoints does not import it."""

from __future__ import annotations

ANONYMOUS_PREFIX = "anon:"
EMAIL_PREFIX, PHONE_PREFIX = "email:", "phone:"
CONTACT_PREFIXES = (EMAIL_PREFIX, PHONE_PREFIX)
