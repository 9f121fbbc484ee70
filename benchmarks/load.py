"""Load benchmark: the portal under gunicorn against PostgreSQL holding the large data set.

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_bench \\
        uv run python benchmarks/load.py [--rate 100] [--duration 30] [--saturation 5]

Fill the database first (``manage.py migrate`` and ``manage.py generate_data --scale national``).
The script logs one user of each role in by writing their sessions directly (past the second
factor, as the verification page would mark them), starts gunicorn on 127.0.0.1, and then:

1. offers a fixed rate of requests (default 100/s) spread evenly over the pages and the bare view
   ``/healthz`` (no database) for ``--duration`` seconds: p50/p95/p99 per page, measured from the
   moment each request was due (so a slow server cannot hide its queue);
2. saturates each page in turn with ``--concurrency`` clients for ``--saturation`` seconds:
   requests/s per page and its ratio to the bare view's.

3. offers the rates of ``--steps`` in turn (``--step-duration`` seconds each) and reports the
   highest at which every page's p95 stays under 150 ms.

Between phases it waits (at most 3 minutes) until the server has worked off its queue. Bounded:
it stops by itself, and stops gunicorn. Traffic goes only to 127.0.0.1.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://portal:portal@127.0.0.1:5432/portal_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

P95_TARGET_MS = 150
SATURATION_TARGET = 0.3
TIMEOUT_S = 10  # a request still unanswered after this counts as an error


def prepare_sessions():
    """One session per role, on users picked from the generated data; the page list."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from appraisal.models import Case, CaseState, Draw, IssuedDocument, Seat
    from portal.models import Bureau, User
    from portal.reauth import requires_second_factor

    if not Case.objects.exists():
        raise SystemExit("数据库中没有案件：请先运行 manage.py generate_data --scale national")

    def busiest(qs, field):
        return qs.values(field).annotate(n=Count("pk")).order_by("-n", field)[0][field]

    county = Bureau.objects.get(pk=busiest(Case.objects.exclude(state="draft"), "bureau"))
    users = {
        "county": User.objects.filter(role="county", bureau=county).order_by("pk").first(),
        "prefecture": User.objects.filter(role="prefecture", bureau=county.parent_id)
        .order_by("pk")
        .first(),
        "supervisor": User.objects.filter(role="supervisor", bureau=county).order_by("pk").first(),
        "institution": User.objects.filter(
            role="institution", institution=busiest(Case.objects.all(), "institution")
        )
        .order_by("pk")
        .first(),
        "expert": User.objects.get(
            expert_profile=busiest(Seat.objects.filter(status="accepted"), "expert")
        ),
    }
    # An expert whose panel is reviewing now (the scoring sheet), in the same county.
    reviewing = (
        Seat.objects.filter(status="accepted", round__case__state=CaseState.IN_REVIEW)
        .filter(round__case__bureau=county)
        .order_by("pk")
        .first()
    )
    users["reviewer"] = reviewing.expert.user
    backend = "portal.auth.PortalBackend"
    assert backend in settings.AUTHENTICATION_BACKENDS
    cookies = {}
    for role, user in users.items():
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if requires_second_factor(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            device = device or TOTPDevice.objects.create(user=user, name="压测", confirmed=True)
            store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.set_expiry(3600)
        store.create()
        cookies[role] = f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    case = Case.objects.filter(bureau=county, state=CaseState.IN_REVIEW).order_by("pk").first()
    own = Case.objects.filter(institution=users["institution"].institution_id).order_by("pk")[0]
    seat = Seat.objects.filter(expert__user=users["expert"], status="accepted").first()
    draw = Draw.objects.filter(pool=county).order_by("pk").first()
    document = IssuedDocument.objects.filter(bureau=county, kind="opinion").first()
    name = case.institution.name[:4]
    signed = Case.objects.filter(bureau=county, state=CaseState.OPINION_SIGNED).order_by("pk")[0]
    signed_round = signed.rounds.get(number=1).pk
    pages = [
        ("bare /healthz", None, "/healthz"),
        ("机构 首页", "institution", "/"),
        ("机构 案件列表", "institution", "/cases/"),
        ("机构 案件页", "institution", f"/cases/{own.pk}/"),
        ("县 首页(待办)", "county", "/"),
        ("县 案件列表", "county", "/cases/"),
        ("县 列表 筛选状态", "county", "/cases/?state=closed"),
        ("县 列表 搜索", "county", f"/cases/?q={name}"),
        ("县 列表 第5页", "county", "/cases/?page=5"),
        ("县 案件页", "county", f"/cases/{case.pk}/"),
        ("县 抽取记录", "county", f"/cases/draws/{draw.pk}/"),
        ("县 类别确定", "county", f"/cases/rounds/{signed_round}/decision/"),
        ("专家 评分表", "reviewer", f"/cases/rounds/{reviewing.round_id}/sheet/"),
        ("县 专家库", "county", "/experts/"),
        ("县 审计记录", "county", "/audit/"),
        ("州 首页", "prefecture", "/"),
        ("州 案件列表", "prefecture", "/cases/"),
        ("州 审计记录", "prefecture", "/audit/"),
        ("专家 首页", "expert", "/"),
        ("专家 案件页", "expert", f"/cases/{seat.round.case_id}/"),
        ("监督人 首页", "supervisor", "/"),
        ("公开核验页", None, f"/verify/{document.verification_code}/"),
    ]
    from urllib.parse import quote

    pages = [(label, cookies.get(role), quote(url, safe="/?=&")) for label, role, url in pages]
    return pages, Case.objects.count()


async def fetch(port, path, cookie):
    """One GET on a new connection; returns the status code."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if cookie:
        head += f"Cookie: {cookie}\r\n"
    writer.write((head + "\r\n").encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data[9:12]) if data[:5] == b"HTTP/" else 0
    return status


async def offered_rate(port, pages, rate, duration):
    """Open loop: request i is due at i/rate seconds; latency counts from when it was due."""
    results = {label: [] for label, _, _ in pages}
    errors = {label: 0 for label, _, _ in pages}
    total = int(rate * duration)
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.5
    tasks = []

    async def one(i):
        label, cookie, path = pages[i % len(pages)]
        due = start + i / rate
        await asyncio.sleep(max(0, due - loop.time()))
        try:
            status = await asyncio.wait_for(fetch(port, path, cookie), TIMEOUT_S)
        except (TimeoutError, OSError):
            status = 0
        if status != 200:
            errors[label] += 1
        results[label].append((loop.time() - due) * 1000)

    for i in range(total):
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return results, errors, total / (loop.time() - start)


async def saturate(port, page, concurrency, seconds):
    """Closed loop: ``concurrency`` clients back to back for ``seconds``; requests/s completed."""
    label, cookie, path = page
    loop = asyncio.get_running_loop()
    stop = loop.time() + seconds
    done = bad = 0

    async def client():
        nonlocal done, bad
        while loop.time() < stop:
            try:
                status = await asyncio.wait_for(fetch(port, path, cookie), TIMEOUT_S)
            except (TimeoutError, OSError):
                status = 0
            done += 1
            bad += status != 200

    began = loop.time()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return done / (loop.time() - began), bad


async def drain(port, limit=180):
    """Wait until the server answers the bare view promptly again (an overloaded server still
    works through the connections queued before), so one phase does not spill into the next."""
    loop = asyncio.get_running_loop()
    stop = loop.time() + limit
    prompt = 0
    while loop.time() < stop and prompt < 3:
        began = loop.time()
        try:
            status = await asyncio.wait_for(fetch(port, "/healthz", None), 5)
        except (TimeoutError, OSError):
            status = 0
        prompt = prompt + 1 if status == 200 and loop.time() - began < 0.05 else 0
        await asyncio.sleep(0.2)
    return prompt >= 3


def sustainable_rate(port, pages, steps, seconds):
    """The highest of ``steps`` (requests/s) at which every page's p95 stays under the target."""
    best = None
    for rate in steps:
        asyncio.run(drain(port))
        results, errors, _ = asyncio.run(offered_rate(port, pages, rate, seconds))
        worst = max(percentile(v, 95) for v in results.values())
        print(f"  提供 {rate:.0f}/s：最慢页面 p95 {worst:.0f} ms，错误 {sum(errors.values())}")
        if worst >= P95_TARGET_MS or sum(errors.values()):
            break
        best = rate
    return best


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port, workers):
    env = {**os.environ, "DJANGO_DEBUG": "0"}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "portal.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    log = open(os.environ.get("LOAD_SERVER_LOG", os.devnull), "ab")  # noqa: SIM115
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn 未能启动")


def run(args):
    pages, cases = prepare_sessions()
    port = free_port()
    server = start_server(port, args.workers)
    try:
        # Warm every worker's caches (templates, URL resolver, connections).
        asyncio.run(offered_rate(port, pages, 50, max(2, len(pages) * args.workers / 50)))
        asyncio.run(drain(port))
        results, errors, achieved = asyncio.run(offered_rate(port, pages, args.rate, args.duration))
        saturation = {}
        for page in pages:
            asyncio.run(drain(port))
            saturation[page[0]] = asyncio.run(
                saturate(port, page, args.concurrency, args.saturation)
            )
        steps = [float(s) for s in args.steps.split(",") if s]
        sustainable = sustainable_rate(port, pages, steps, args.step_duration) if steps else None
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    bare_label = pages[0][0]
    bare_rps = saturation[bare_label][0]
    load = os.getloadavg()
    print(
        f"案件 {cases} 件；gunicorn {args.workers} 个进程；{os.cpu_count()} 核；"
        f"负载均值 {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"阶段一：提供 {args.rate}/s（实际 {achieved:.0f}/s），{args.duration} 秒；"
        f"阶段二：每页 {args.concurrency} 个并发客户端，各 {args.saturation} 秒"
    )
    header = f"{'页面':<16}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'饱和 r/s':>10}{'比值':>7}{'错误':>6}"
    print(header)
    rows = []
    for label, _, _ in pages:
        values = results[label]
        rps, bad = saturation[label]
        row = {
            "page": label,
            "n": len(values),
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "p99": percentile(values, 99),
            "rps": rps,
            "ratio": rps / bare_rps if bare_rps else float("nan"),
            "errors": errors[label] + bad,
        }
        rows.append(row)
        print(
            f"{label:<16}{row['n']:>6}{row['p50']:>9.1f}{row['p95']:>9.1f}{row['p99']:>9.1f}"
            f"{row['rps']:>10.1f}{row['ratio']:>7.2f}{row['errors']:>6}"
        )
    worst_p95 = max(r["p95"] for r in rows[1:])
    worst_ratio = min(r["ratio"] for r in rows[1:])
    if steps:
        print(
            f"各页面 p95 均 < {P95_TARGET_MS} ms 的最高提供速率（试过 {args.steps}/s）："
            f"{'无' if sustainable is None else f'{sustainable:.0f}/s'}"
        )
    print(
        f"最慢页面 p95 {worst_p95:.1f} ms（目标 < {P95_TARGET_MS}）；"
        f"最低饱和吞吐比 {worst_ratio:.2f}（目标 ≥ {SATURATION_TARGET}）"
    )
    summary = {
        "rows": rows,
        "worst_p95_ms": worst_p95,
        "worst_ratio": worst_ratio,
        "bare_rps": bare_rps,
        "offered": args.rate,
        "achieved": achieved,
        "cases": cases,
        "load": load,
        "sustainable_rate": sustainable,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100, help="阶段一每秒请求数")
    parser.add_argument("--duration", type=float, default=30, help="阶段一秒数")
    parser.add_argument("--saturation", type=float, default=5, help="阶段二每页秒数")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--steps", default="20,40,60,80", help="再逐级试这些提供速率，找出 p95 达标的最高一级"
    )
    parser.add_argument("--step-duration", type=float, default=8)
    parser.add_argument("--json", help="结果另存为 JSON")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
