from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from events.synthetic import ArchiveSize, generate_synthetic_archive, real_record_counts, record_count


class Command(BaseCommand):
    help = (
        "Fill an empty database with a synthetic archive for benchmarks: invented, marked as such, the same "
        "for the same seed. Inserted in bulk, so it writes no history rows. Refuses a database that holds "
        "records already unless told --force."
    )

    def add_arguments(self, parser) -> None:
        defaults = ArchiveSize()
        parser.add_argument("--states", type=int, default=defaults.states)
        parser.add_argument("--recognitions", type=int, default=defaults.recognitions)
        parser.add_argument("--missions", type=int, default=defaults.missions)
        parser.add_argument("--delegations", type=int, default=defaults.delegations)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--force", action="store_true", help="Add the synthetic archive to a database that holds records already."
        )

    def handle(self, *args, **options) -> None:
        size = ArchiveSize(
            states=options["states"],
            recognitions=options["recognitions"],
            missions=options["missions"],
            delegations=options["delegations"],
            seed=options["seed"],
        )
        if size.states < 2 or min(size.recognitions, size.missions, size.delegations) < 0:
            raise CommandError("Give at least 2 states and no negative counts.")
        if not options["force"]:
            real = real_record_counts()
            if real:
                listed = ", ".join(f"{count} {name}" for name, count in real.items())
                raise CommandError(
                    f"This database holds real (non-synthetic) records ({listed}). "
                    "Use an empty database, or --force to add synthetic records beside them."
                )
            if record_count():
                raise CommandError(
                    "This database holds a synthetic archive already. Use an empty database, or --force to add another."
                )
        with tqdm(total=size.facts, unit="facts", disable=options["verbosity"] == 0, file=self.stderr) as bar:
            generate_synthetic_archive(size, progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(
                f"Synthetic archive (seed {size.seed}): {size.states} states, {size.recognitions} recognitions, "
                f"{size.missions} missions, {size.delegations} delegations."
            )
        )
