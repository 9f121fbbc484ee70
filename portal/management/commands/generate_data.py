"""Fill the database with a large, reproducible data set for measuring the portal at scale.

    uv run python manage.py generate_data --scale national        # 300 bureaus … 100,000 cases
    uv run python manage.py generate_data --cases 5000 --seed 7    # explicit sizes override the scale

Meant for PostgreSQL (DATABASE_URL); every account's password is ``jianding2026``.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from portal.datagen import PASSWORD, SCALES, Generator, Sizes


class Command(BaseCommand):
    help = "生成大规模测试数据（用于性能测量）"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--bureaus", type=int, help="县级教育局数")
        parser.add_argument("--experts", type=int)
        parser.add_argument("--institutions", type=int)
        parser.add_argument("--cases", type=int)
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, scale, seed, batch, **options):
        sizes = Sizes.for_scale(scale)
        for name in ("bureaus", "experts", "institutions", "cases"):
            if options.get(name) is not None:
                setattr(sizes, name, options[name])
        started = time.monotonic()
        self.stdout.write(f"生成数据：{sizes}，种子 {seed}")
        try:
            Generator(sizes, seed=seed, batch=batch, out=self.stdout.write).run()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"完成，用时 {time.monotonic() - started:.0f} 秒；账户密码均为 {PASSWORD}。"
            )
        )
