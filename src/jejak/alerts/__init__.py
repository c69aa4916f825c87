"""Alerts: watch rules checked on the data, and what fired sent by log, webhook or email.

One module per concern: :mod:`.conversion`, :mod:`.rejections` and :mod:`.lift` check
one kind of rule each; :mod:`.checking` checks them all; :mod:`.sending` sends what
fired, once per channel (:mod:`.memory`), through :mod:`.logline`, :mod:`.webhook` and
:mod:`.mail`. The rules are the ``watch:`` settings (:mod:`jejak.model.watch`).
"""

from jejak.alerts.checking import check
from jejak.alerts.findings import Finding, Findings
from jejak.alerts.sending import notify

__all__ = ["Finding", "Findings", "check", "notify"]
