"""Every benchmark in one run, and one table: figure, target, measured, ratio to the target.

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_bench \\
        uv run python benchmarks/run_all.py [--quick] [--skip-load]

Runs benchmarks/draw.py (its own throw-away database), benchmarks/pdf_render.py and
benchmarks/load.py (the database of DATABASE_URL, filled by ``manage.py generate_data``), each as
its own process, prints their output and then the table. ``--quick`` shortens every run (for
trying the command, not for figures). Bounded: each benchmark stops by itself.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(script, *args):
    command = [sys.executable, str(HERE / script), *args]
    print(f"$ {' '.join(command[1:])}", flush=True)
    result = subprocess.run(
        command, cwd=HERE.parent, capture_output=True, text=True, timeout=1800, check=False
    )
    lines = [
        line
        for line in result.stdout.splitlines()
        if line.strip() and "UserWarning" not in line and "mw_instance" not in line
    ]
    print("\n".join(lines), flush=True)
    if result.returncode not in (0, 1):
        print(result.stderr[-2000:], file=sys.stderr)
    return result.stdout


def number(pattern, text):
    match = re.search(pattern, text)
    return float(match.group(1)) if match else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    rows = []  # (figure, target text, measured text, ratio measured/target, met)

    out = run("draw.py", *(["--experts", "2000", "--runs", "3"] if args.quick else []))
    draw_ms = number(r"用时中位数：([\d.]+) 毫秒", out)
    rows.append(("一次抽取（1 万名专家，含数据库）", "< 20 ms", f"{draw_ms:.1f} ms", draw_ms / 20))

    out = run("pdf_render.py", *(["--runs", "3"] if args.quick else []))
    render_s = number(r"附件2 渲染时间（中位数）\s+< 0.200 s\s+([\d.]+) s", out)
    size_kb = number(r"附件2 文件大小\s+< 300 KB\s+([\d.]+) KB", out)
    rows.append(("附件2 渲染时间（中位数）", "< 0.2 s", f"{render_s:.3f} s", render_s / 0.2))
    rows.append(("附件2 文件大小", "< 300 KB", f"{size_kb:.0f} KB", size_kb / 300))

    if not args.skip_load:
        with tempfile.NamedTemporaryFile(suffix=".json") as handle:
            quick = (
                ["--duration", "5", "--saturation", "1", "--steps", "20", "--step-duration", "3"]
                if args.quick
                else []
            )
            run("load.py", "--json", handle.name, *quick)
            try:
                load = json.loads(Path(handle.name).read_text())
            except ValueError:
                load = None
        if load:
            p95 = load["worst_p95_ms"]
            ratio = load["worst_ratio"]
            rows.append(
                (
                    f"最慢页面 p95（提供 {load['offered']:.0f} 请求/秒）",
                    "< 150 ms",
                    f"{p95:.0f} ms",
                    p95 / 150,
                )
            )
            rows.append(
                (
                    "最低饱和吞吐 / 空视图吞吐",
                    ">= 0.3",
                    f"{ratio:.2f}（空视图 {load['bare_rps']:.0f} 请求/秒）",
                    0.3 / ratio if ratio else float("inf"),
                )
            )
            rate = load.get("sustainable_rate")
            rows.append(
                (
                    "各页面 p95 < 150 ms 的最高提供速率",
                    ">= 100 请求/秒",
                    "无" if rate is None else f"{rate:.0f} 请求/秒",
                    100 / rate if rate else float("inf"),
                )
            )
        else:
            rows.append(("负载测试", "—", "未能完成（见上方输出）", float("nan")))

    load_avg = os.getloadavg()
    print()
    print(
        f"本机 {os.cpu_count()} 核；结束时 1/5/15 分钟平均负载 {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f}"
    )
    print("比值 = 实测 / 目标（吞吐比一行为 目标 / 实测）：小于 1 即达标。")
    print(f"| {'项目'} | 目标 | 实测 | 比值 | 结论 |")
    print("|---|---|---|---|---|")
    failed = 0
    for figure, target, measured, ratio in rows:
        met = ratio < 1
        failed += not met
        print(f"| {figure} | {target} | {measured} | {ratio:.2f} | {'达标' if met else '未达标'} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
