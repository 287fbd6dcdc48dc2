from django.core.management.base import BaseCommand

from events.demo import load_demo_data


class Command(BaseCommand):
    help = "Load the demo data (the seed article's facts with their citations). Safe to run again."

    def handle(self, *args, **options) -> None:
        load_demo_data()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
