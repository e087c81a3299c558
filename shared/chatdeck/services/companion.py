"""The ed-chat companion's minute: reminders, then polling, then counts, then digests.

Each step is independent: one failing (X down, say) is logged and the others still run.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chatdeck.domain.schedule import to_iso_utc
from chatdeck.observability import count, logger
from chatdeck.services.digests import Digests
from chatdeck.services.polling import Poller
from chatdeck.services.reminders import Reminders


class Companion:
    def __init__(self, reminders: Reminders, poller: Poller, digests: Digests) -> None:
        self.reminders = reminders
        self.poller = poller
        self.digests = digests

    def run(self, now: datetime) -> dict[str, Any]:
        steps: dict[str, Callable[[datetime], Any]] = {
            "reminders": self.reminders.send_due,
            "polling": lambda at: self.poller.poll(at).as_dict(),
            "counts": lambda at: self.poller.refresh_counts(at).as_dict(),
            "digests": self.digests.send_ready,
        }
        report: dict[str, Any] = {"now": to_iso_utc(now)}
        for name, step in steps.items():
            try:
                report[name] = step(now)
            except Exception as error:  # one step's outage must not stop the others
                logger.exception("companion step failed", extra={"step": name})
                report[name] = {"error": type(error).__name__}
        count("reminders_sent", report["reminders"] if isinstance(report["reminders"], int) else 0)
        count("digests_sent", report["digests"] if isinstance(report["digests"], int) else 0)
        return report
