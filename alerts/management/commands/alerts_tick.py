"""`manage.py alerts_tick`: one evaluation of every due alert rule, now (for cron and operators).

Safe next to the scheduler: the evaluation's lock and tick key make an overlapping or repeated
run a no-op.
"""

from django.core.management.base import BaseCommand, CommandParser

from alerts.evaluation import alerts_tick


class Command(BaseCommand):
    help = "Evaluate every enabled alert rule once and send the notifications of any transitions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet", action="store_true", help="Print nothing unless something failed."
        )

    def handle(self, *args: object, quiet: bool = False, **options: object) -> None:
        summary = alerts_tick()
        if not quiet or summary.rules_failed:
            self.stdout.write(summary.line())
