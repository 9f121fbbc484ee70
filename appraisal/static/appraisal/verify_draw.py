#!/usr/bin/env python3
"""鉴定专家抽取核验程序（独立运行，只用 Python 标准库；Python 3.8 及以上）。

依据《抽取算法规范 v1》（docs/draw-spec.md，算法版本 hmac-sha256-sort/1，记录格式
jianding-draw-record/1，透明日志格式 jianding-log/1）。本程序不连接平台、不导入平台的任何代码：
只读取从平台下载的文件，按规范重新计算，并逐项比对。

用法：
  python3 verify_draw.py draw-12.json [draw-13.json ...]
      核验抽取记录文件：承诺、种子、候选名单摘要、随机排序、专家组、候补顺序、筛选记录。
  python3 verify_draw.py --log log.json [--log log-2.json ...]
      核验透明日志：每条的链哈希、前后相连、序号连续、每日签名头与日志一致，
      并列出同一轮次的重复抽取、重复的文书编号等异常。
  python3 verify_draw.py --log log.json draw-12.json
      同时核对抽取记录文件的 SHA-256 与透明日志中登记的一致（文件未被改动）。
  python3 verify_draw.py --log log.json --pdf 鉴定意见书.pdf
      核对一份文书（PDF 原件）已登记在透明日志中。
  python3 verify_draw.py --log log.json --head-files 目录
      把每日签名头的签名内容、签名（DER）和签名证书写入该目录，供 openssl 核验签名
      （命令见规范第 9.4 节，也在运行结束时打印）。
  python3 verify_draw.py --vectors draw-vectors.json
      用规范附带的测试向量自检本程序。

全部一致时退出码为 0；有任何不一致或异常时列出原因，退出码为 1；文件无法读取时退出码为 2。
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys

ALGORITHM = "hmac-sha256-sort/1"
RECORD_FORMAT = "jianding-draw-record/1"
LOG_FORMAT = "jianding-log/1"
ENTRY_FORMAT = "jianding-log-entry/1"
HEAD_FORMAT = "jianding-log-head/1"
GENESIS = "0" * 64
LEGAL = "legal"
HEX = set("0123456789abcdef")


class Unreadable(Exception):
    """A file that cannot be read at all (exit code 2)."""


# ---- §2–§5: commitment, seed, candidates, order -----------------------------------------------
def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def commitment_of(system_value):
    """§2: SHA-256 of the UTF-8 bytes of "commit:" followed by the system value."""
    return sha256_hex(("commit:" + system_value).encode("utf-8"))


def seed_of(system_value, witness_value):
    """§4: SHA-256 of "seed:v1:" + system value + ":" + witness value (empty without a witness;
    surrounding whitespace removed, which no recorded value has)."""
    return sha256_hex(("seed:v1:" + system_value + ":" + witness_value.strip()).encode("utf-8"))


def canonical_rows_text(rows):
    """§5.2: the candidate rows as JSON without spaces, non-ASCII characters escaped."""
    return json.dumps(rows, separators=(",", ":"), ensure_ascii=True)


def rank_key(key, candidate_id):
    """§5.3: HMAC-SHA256 with the seed's 32 bytes as key, over the ASCII of "v1:<id>"."""
    return hmac.new(key, f"v1:{candidate_id}".encode("ascii"), hashlib.sha256).digest()


def random_order(ids, seed):
    """§5.4: ascending by rank key (as unsigned byte strings); equal keys by id."""
    key = bytes.fromhex(seed)
    return [i for _, i in sorted((rank_key(key, i), i) for i in ids)]


# ---- §6: the panel under the subject mix and the legal seat -----------------------------------
class Impossible(Exception):
    def __init__(self, code, words):
        Exception.__init__(self, words)
        self.code = code
        self.words = words


def covers(row, requirement):
    """§6.1: the legal requirement is met by a legal expert, a subject by a row listing it."""
    return row[2] if requirement == LEGAL else requirement in row[1]


def requirements_of(parameters):
    """§6.1: the subject codes (sorted, distinct), then "legal" if a legal seat is wanted."""
    result = sorted(set(parameters["subjects"]))
    if parameters["legal_seat"]:
        result.append(LEGAL)
    return result


def fill_panel(rows, seed, parameters):
    """§6.2–§6.4: the order, the panel, the alternates and the waived requirements."""
    by_id = {row[0]: row for row in rows}
    size = parameters["panel_size"]
    if not 1 <= size <= 9:
        raise Impossible("panel_size", "专家组人数不在 1 至 9 之间")
    wanted = requirements_of(parameters)
    waived = [r for r in wanted if not any(covers(row, r) for row in rows)]
    requirements = [r for r in wanted if r not in waived]
    if LEGAL in waived:
        raise Impossible("no_legal", "候选专家中没有法律专业人士")
    if len(rows) < size:
        raise Impossible("too_few", "候选专家少于专家组人数")
    if len(requirements) > size:
        raise Impossible("too_many_requirements", "需覆盖的要求多于专家组人数")
    order = random_order([row[0] for row in rows], seed)
    unmet = set(requirements)
    panel = []
    for candidate_id in order:
        if len(panel) == size:
            break
        helps = {r for r in unmet if covers(by_id[candidate_id], r)}
        # Passed over only when every seat left is needed for a requirement it does not meet.
        if size - len(panel) > len(unmet) or helps:
            panel.append(candidate_id)
            unmet -= helps
    if len(panel) < size or unmet:
        raise Impossible("mix", "按规范 6.3 的顺序无法组成满足学科组成要求的专家组")
    taken = set(panel)
    alternates = [i for i in order if i not in taken]
    return {"order": order, "panel": panel, "alternates": alternates, "waived": waived}


def next_alternate(alternates, by_id, staying, requirements, skip):
    """§6.5: the first alternate in rank, not skipped, who meets every requirement the members
    staying leave unmet; None when there is none."""
    unmet = {r for r in requirements if not any(covers(m, r) for m in staying)}
    for candidate_id in alternates:
        if candidate_id in skip or candidate_id not in by_id:
            continue
        if all(covers(by_id[candidate_id], r) for r in unmet):
            return candidate_id
    return None


# ---- reading what was downloaded --------------------------------------------------------------
def load_json(path):
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise Unreadable(f"无法读取文件 {path}：{exc.strerror or exc}") from None
    try:
        return raw, json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unreadable(f"文件 {path} 不是有效的 JSON：{exc}") from None


def is_int(value):
    return type(value) is int  # noqa: E721  (true and false are not numbers here)


def is_hex64(value):
    return isinstance(value, str) and len(value) == 64 and set(value) <= HEX


def canonical_bytes(data):
    """§8.2: keys sorted, no spaces, non-ASCII escaped: the bytes whose SHA-256 is logged."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


def check_shape(record):
    """The record's fields and their types (§8.1); a list of problems."""
    problems = []

    def need(container, key, test, words, where=""):
        if not isinstance(container, dict) or key not in container:
            problems.append(f"缺少字段 {where}{key}")
            return False
        if not test(container[key]):
            problems.append(f"字段 {where}{key} 应为{words}")
            return False
        return True

    if not isinstance(record, dict):
        return ["记录不是 JSON 对象"]
    need(record, "format", lambda v: v == RECORD_FORMAT, f" {RECORD_FORMAT}")
    need(record, "algorithm", lambda v: v == ALGORITHM, f" {ALGORITHM}（本程序只实现此版本）")
    need(record, "system_value", lambda v: isinstance(v, str), "字符串")
    need(record, "seed", is_hex64, " 64 位十六进制小写字符串")
    need(record, "candidates_sha256", is_hex64, " 64 位十六进制小写字符串")
    if need(record, "commitment", lambda v: isinstance(v, dict), "对象"):
        need(record["commitment"], "sha256", is_hex64, "64 位十六进制", "commitment.")
    if need(record, "witness", lambda v: isinstance(v, dict), "对象"):
        need(record["witness"], "present", lambda v: isinstance(v, bool), "true/false", "witness.")
        need(record["witness"], "value", lambda v: isinstance(v, str), "字符串", "witness.")
    if need(record, "draw", lambda v: isinstance(v, dict), "对象"):
        need(record["draw"], "kind", lambda v: v in ("panel", "seat"), " panel 或 seat", "draw.")
        need(record["draw"], "id", is_int, "整数", "draw.")
        need(record["draw"], "case", lambda v: isinstance(v, str), "字符串", "draw.")
        need(record["draw"], "round", is_int, "整数", "draw.")
    if need(record, "parameters", lambda v: isinstance(v, dict), "对象"):
        p = record["parameters"]
        need(p, "panel_size", is_int, "整数", "parameters.")
        need(
            p,
            "subjects",
            lambda v: (
                isinstance(v, list) and all(isinstance(s, str) for s in v) and v == sorted(set(v))
            ),
            "按字符排序、不重复的学科代码列表",
            "parameters.",
        )
        need(p, "legal_seat", lambda v: isinstance(v, bool), "true/false", "parameters.")
    if need(record, "candidates", lambda v: isinstance(v, list), "列表"):
        for n, row in enumerate(record["candidates"], start=1):
            ok = (
                isinstance(row, list)
                and len(row) == 3
                and is_int(row[0])
                and row[0] > 0
                and isinstance(row[1], list)
                and all(isinstance(s, str) for s in row[1])
                and row[1] == sorted(set(row[1]))
                and isinstance(row[2], bool)
            )
            if not ok:
                problems.append(
                    f"候选专家第 {n} 行格式不对：应为 [编号, [按字符排序、不重复的学科代码], true/false]"
                )
                break
        else:
            ids = [row[0] for row in record["candidates"]]
            if ids != sorted(set(ids)):
                problems.append("候选专家没有按编号从小到大排列，或有重复的编号（规范 5.1）")
    if need(record, "result", lambda v: isinstance(v, dict), "对象"):
        for key in ("order", "panel", "alternates"):
            need(
                record["result"],
                key,
                lambda v: isinstance(v, list) and all(is_int(i) for i in v),
                "整数列表",
                "result.",
            )
        need(
            record["result"],
            "waived",
            lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
            "字符串列表",
            "result.",
        )
    need(record, "filters", lambda v: isinstance(v, list), "列表")
    return problems


def verify_record(record):
    """Every check of §8.3 on a parsed record; (problems, recomputed result or None)."""
    problems = check_shape(record)
    if problems:
        return problems, None
    system_value = record["system_value"]
    witness = record["witness"]
    if commitment_of(system_value) != record["commitment"]["sha256"]:
        problems.append("系统随机值与抽取前公布的摘要（承诺）不符（规范第 2 节）")
    if not witness["present"] and witness["value"] != "":
        problems.append("记录为无监督人，却有监督人随机数")
    if seed_of(system_value, witness["value"]) != record["seed"]:
        problems.append("随机种子不能由系统随机值和监督人随机数推出（规范第 4 节）")
    rows = record["candidates"]
    if sha256_hex(canonical_rows_text(rows).encode("ascii")) != record["candidates_sha256"]:
        problems.append("候选名单的 SHA-256 与记录的摘要不符（规范 5.2）")
    ids = {row[0] for row in rows}
    seen = set()
    for entry in record["filters"]:
        if not (isinstance(entry, dict) and isinstance(entry.get("removed"), list)):
            problems.append("筛选记录格式不对（规范 8.1）")
            break
        removed = entry["removed"]
        if not all(is_int(i) for i in removed):
            problems.append("筛选条件 {} 筛除的编号不是整数".format(entry.get("code")))
            continue
        if ids & set(removed):
            problems.append(
                "筛选条件 {} 筛除的专家又出现在候选名单中：{}".format(
                    entry.get("code"), sorted(ids & set(removed))
                )
            )
        if seen & set(removed):
            problems.append(f"有专家被两个筛选条件同时筛除：{sorted(seen & set(removed))}")
        seen |= set(removed)
        if entry.get("code") != "subjects" and entry.get("count") != len(removed):
            problems.append("筛选条件 {} 记录的人数与筛除的编号个数不符".format(entry.get("code")))
    try:
        result = fill_panel(rows, record["seed"], record["parameters"])
    except Impossible as exc:
        problems.append(f"按记录的候选名单和参数重新运行，抽取不能完成：{exc.words}")
        return problems, None
    labels = {
        "order": "随机排序",
        "panel": "入选专家",
        "alternates": "候补顺序",
        "waived": "免除的要求",
    }
    for key, label in labels.items():
        if result[key] != record["result"][key]:
            problems.append(
                "{}与重新计算的不一致{}".format(
                    label, first_difference(result[key], record["result"][key])
                )
            )
    return problems, result


def first_difference(computed, recorded):
    pairs = zip(computed, recorded)  # noqa: B905  (Python 3.8 has no strict=)
    for n, (a, b) in enumerate(pairs, start=1):
        if a != b:
            return f"：第 {n} 位重新计算为 {a}，记录为 {b}"
    if len(computed) != len(recorded):
        return f"：重新计算 {len(computed)} 项，记录 {len(recorded)} 项"
    return ""


def draw_ref(record):
    d = record["draw"]
    return "{}/{}/{}/{}".format(d["case"], d["round"], d["kind"], d["id"])


# ---- §9: the transparency log -----------------------------------------------------------------
def entry_hash(entry):
    fields = [ENTRY_FORMAT, str(int(entry["seq"]))]
    fields += [entry[k] for k in ("at", "kind", "ref", "sha256", "prev_hash")]
    text = "".join(field + "\n" for field in fields)
    return sha256_hex(text.encode("utf-8"))


def head_message(head):
    fields = [HEAD_FORMAT, head["day"], str(int(head["size"])), head["root"], head["signer"]]
    return "".join(field + "\n" for field in fields)


def read_logs(paths):
    """The entries and heads of one or more downloaded log pages, merged; (log, problems)."""
    entries, heads, problems, certificates = {}, {}, [], []
    for path in paths:
        _raw, data = load_json(path)
        if not isinstance(data, dict) or data.get("format") != LOG_FORMAT:
            raise Unreadable(f"文件 {path} 不是透明日志（format 应为 {LOG_FORMAT}）")
        for entry in data.get("entries", []):
            fields = ("seq", "at", "kind", "ref", "sha256", "prev_hash", "hash")
            if not isinstance(entry, dict) or not all(k in entry for k in fields):
                problems.append(f"{path} 中有格式不对的条目")
                continue
            if not is_int(entry["seq"]):
                problems.append(f"{path} 中有序号不是整数的条目")
                continue
            known = entries.get(entry["seq"])
            if known is not None and known != entry:
                problems.append(f"第 {entry['seq']} 条在两个文件中内容不同")
            entries[entry["seq"]] = entry
        for head in data.get("heads", []):
            heads[head.get("day")] = head
        if data.get("signer_certificate"):
            certificates.append(data["signer_certificate"])
    return {"entries": entries, "heads": heads, "certificates": certificates}, problems


def verify_log(log):
    """§9.3: hashes, links, numbering, heads; anomalies (a draw twice, a serial twice).
    (problems, notes)."""
    problems, notes = [], []
    seqs = sorted(log["entries"])
    if not seqs:
        return ["透明日志中没有条目"], notes
    first = seqs[0]
    if seqs != list(range(first, first + len(seqs))):
        missing = sorted(set(range(first, seqs[-1] + 1)) - set(seqs))
        problems.append(
            "透明日志的序号不连续，缺少第 {} 条".format(", ".join(map(str, missing[:20])))
        )
    if first != 1:
        notes.append(f"从第 {first} 条起核对（之前的条目不在下载的文件中）")
    previous = None
    panel_draws, serials, hashes = {}, {}, {}
    for seq in seqs:
        entry = log["entries"][seq]
        if entry_hash(entry) != entry["hash"]:
            problems.append(f"第 {seq} 条的链哈希与其内容不符（条目被改动过）")
        if previous is not None and previous["seq"] == seq - 1:
            if entry["prev_hash"] != previous["hash"]:
                problems.append(
                    f"第 {seq} 条没有接在第 {seq - 1} 条之后"
                    "（前一条哈希不符：条目被删除、插入或调换过）"
                )
            if entry["at"] < previous["at"]:
                problems.append(f"第 {seq} 条的登记时间早于第 {seq - 1} 条")
        elif seq == 1 and entry["prev_hash"] != GENESIS:
            problems.append("第 1 条的前一条哈希应为 64 个 0")
        if entry["kind"] not in ("draw", "document") or not is_hex64(entry["sha256"]):
            problems.append(f"第 {seq} 条的类别或 SHA-256 格式不对")
        if entry["kind"] == "draw":
            parts = entry["ref"].rsplit("/", 3)
            if len(parts) == 4 and parts[2] == "panel":
                panel_draws.setdefault((parts[0], parts[1]), []).append(seq)
        elif entry["kind"] == "document":
            serials.setdefault(entry["ref"], []).append(seq)
        hashes.setdefault(entry["sha256"], []).append(seq)
        previous = entry
    for (case, round_number), found in sorted(panel_draws.items()):
        if len(found) > 1:
            problems.append(
                f"异常：案件 {case} 第 {round_number} 轮有 {len(found)} 条专家组抽取"
                f"（第 {'、'.join(map(str, found))} 条）：专家组只能抽取一次"
            )
    for serial, found in sorted(serials.items()):
        if len(found) > 1:
            problems.append(
                f"异常：文书编号 {serial} 登记了 {len(found)} 次"
                f"（第 {'、'.join(map(str, found))} 条）"
            )
    for digest, found in sorted(hashes.items()):
        if len(found) > 1:
            problems.append(f"异常：同一 SHA-256 {digest[:16]}… 登记了 {len(found)} 次")
    last_size, before = None, len(problems)
    for day in sorted(log["heads"]):
        head = log["heads"][day]
        try:
            message = head_message(head)
        except (KeyError, TypeError):
            problems.append(f"{day} 的签名头格式不对")
            continue
        if head.get("message") not in (None, message):
            problems.append(f"{day} 的签名头内容与其字段不符")
        size = head["size"]
        if last_size is not None and size < last_size:
            problems.append(f"{day} 的签名头条目数 {size} 少于前一天的 {last_size}：日志被删减过")
        last_size = size
        if size == 0:
            if head["root"] != GENESIS:
                problems.append(f"{day} 的签名头（0 条）的哈希应为 64 个 0")
        elif size in log["entries"]:
            if log["entries"][size]["hash"] != head["root"]:
                problems.append(
                    f"{day} 签名时日志第 {size} 条的链哈希与现在的日志不同：签名后日志被改写过"
                )
        elif size > seqs[-1]:
            problems.append(
                f"{day} 的签名头有 {size} 条，下载的日志只到第 {seqs[-1]} 条："
                "日志被删减过，或下载不完整"
            )
    if log["heads"] and len(problems) == before:
        notes.append(
            f"签名头 {len(log['heads'])} 个与日志一致；"
            "签名本身用 openssl 核验（--head-files，见规范 9.4）"
        )
    return problems, notes


def certificate_fingerprint(pem):
    body = "".join(
        line.strip() for line in pem.splitlines() if line.strip() and not line.startswith("-----")
    )
    return sha256_hex(base64.b64decode(body))


def write_head_files(log, directory):
    os.makedirs(directory, exist_ok=True)
    for day, head in sorted(log["heads"].items()):
        with open(os.path.join(directory, f"head-{day}.txt"), "wb") as fh:
            fh.write(head_message(head).encode("utf-8"))
        with open(os.path.join(directory, f"head-{day}.sig"), "wb") as fh:
            fh.write(base64.b64decode(head["signature"]))
    for pem in log["certificates"][:1]:
        with open(os.path.join(directory, "signer.cert.pem"), "w", encoding="ascii") as fh:
            fh.write(pem)
    print(f"签名头已写入 {directory}。核验某一天（例如 2026-12-15）的签名：")
    print("  openssl x509 -in signer.cert.pem -noout -fingerprint -sha256   # 与平台公布的指纹比对")
    print("  openssl x509 -in signer.cert.pem -pubkey -noout > signer.pub.pem")
    print(
        "  openssl dgst -sha256 -verify signer.pub.pem -signature head-2026-12-15.sig head-2026-12-15.txt"
    )


# ---- the test vectors of the specification ----------------------------------------------------
def verify_vectors(data):
    problems = []
    for vector in data.get("vectors", []):
        name = vector.get("name", "?")
        got_commitment = commitment_of(vector["system_value"])
        got_seed = seed_of(vector["system_value"], vector["witness_value"])
        if got_commitment != vector["commitment"]:
            problems.append(f"{name}：承诺不符")
        if got_seed != vector["seed"]:
            problems.append(f"{name}：种子不符")
        rows = vector["candidates"]
        text = canonical_rows_text(rows)
        if sha256_hex(text.encode("ascii")) != vector["candidates_sha256"]:
            problems.append(f"{name}：候选名单摘要不符")
        key = bytes.fromhex(got_seed)
        for candidate_id, expected in vector.get("keys", {}).items():
            if rank_key(key, int(candidate_id)).hex() != expected:
                problems.append(f"{name}：编号 {candidate_id} 的 HMAC 不符")
        try:
            result = fill_panel(rows, got_seed, vector["parameters"])
        except Impossible as exc:
            if exc.code != vector.get("impossible"):
                problems.append(
                    f"{name}：抽取不能完成（{exc.code}），向量期望 {vector.get('impossible')}"
                )
            continue
        if "impossible" in vector:
            problems.append(
                "{}：向量期望不能完成（{}），本程序却完成了".format(name, vector["impossible"])
            )
            continue
        for key_name in ("order", "panel", "alternates", "waived"):
            if result[key_name] != vector["expected"][key_name]:
                problems.append(f"{name}：{key_name} 不符")
    for call in data.get("calls", []):
        by_id = {row[0]: row for row in call["candidates"]}
        staying = [by_id[i] for i in call["staying"]]
        got = next_alternate(
            call["alternates"], by_id, staying, call["requirements"], set(call["skip"])
        )
        if got != call["expected"]:
            problems.append(
                "{}：递补人选为 {}，向量期望 {}".format(
                    call.get("name", "?"), got, call["expected"]
                )
            )
    return problems


# ---- the command ------------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(
        description="鉴定专家抽取核验程序（抽取算法规范 v1）", add_help=True
    )
    parser.add_argument("records", nargs="*", help="抽取记录文件（JSON）")
    parser.add_argument("--log", action="append", default=[], help="透明日志文件（可多个）")
    parser.add_argument("--pdf", action="append", default=[], help="核对是否已登记的文书 PDF")
    parser.add_argument("--head-files", help="把签名头写入此目录，供 openssl 核验")
    parser.add_argument("--vectors", help="规范的测试向量文件")
    args = parser.parse_args(argv)
    if not (args.records or args.log or args.vectors):
        parser.print_help()
        return 2
    failed = False
    try:
        if args.vectors:
            _raw, data = load_json(args.vectors)
            problems = verify_vectors(data)
            count = len(data.get("vectors", [])) + len(data.get("calls", []))
            if problems:
                failed = True
                print("测试向量：不通过")
                for problem in problems:
                    print("  - " + problem)
            else:
                print(f"测试向量：{count} 个全部通过")
        log = None
        if args.log:
            log, problems = read_logs(args.log)
            more, notes = verify_log(log)
            problems += more
            if problems:
                failed = True
                print("透明日志：不通过")
                for problem in problems:
                    print("  - " + problem)
            else:
                print(f"透明日志：{len(log['entries'])} 条，链哈希逐条一致")
            for note in notes:
                print("  · " + note)
            for pem in log["certificates"][:1]:
                print(
                    f"  · 签名证书 SHA-256 指纹：{certificate_fingerprint(pem)}（请与平台公布的指纹比对）"
                )
            if args.head_files:
                write_head_files(log, args.head_files)
        by_sha = {}
        if log is not None:
            for entry in log["entries"].values():
                by_sha.setdefault(entry["sha256"], []).append(entry)
        for path in args.pdf:
            try:
                with open(path, "rb") as fh:
                    digest = sha256_hex(fh.read())
            except OSError as exc:
                raise Unreadable(f"无法读取文件 {path}：{exc.strerror or exc}") from None
            found = [e for e in by_sha.get(digest, []) if e["kind"] == "document"]
            if found:
                print(
                    f"{path}：已登记，透明日志第 {found[0]['seq']} 条，文书编号 {found[0]['ref']}"
                )
            else:
                failed = True
                print(f"{path}：透明日志中没有这份文件（SHA-256 {digest}）")
        for path in args.records:
            _raw, record = load_json(path)
            problems, result = verify_record(record)
            digest = sha256_hex(canonical_bytes(record)) if isinstance(record, dict) else ""
            if log is not None and not problems:
                ref = draw_ref(record)
                logged = [
                    e for e in log["entries"].values() if e["kind"] == "draw" and e["ref"] == ref
                ]
                if not logged:
                    problems.append(f"透明日志中没有登记这次抽取（{ref}）")
                elif all(e["sha256"] != digest for e in logged):
                    problems.append(
                        f"记录文件与透明日志第 {logged[0]['seq']} 条登记的 SHA-256 不同："
                        "文件被改动过"
                    )
            if problems:
                failed = True
                print(f"{path}：核验不通过")
                for problem in problems:
                    print("  - " + problem)
                continue
            d = record["draw"]
            print(
                f"{path}：核验通过。案件 {d['case']} 第 {d['round']} 轮，"
                f"抽取记录 {d['id']}（{d['kind']}），候选 {len(record['candidates'])} 人"
            )
            print("  入选专家（编号，按位次）：{}".format(", ".join(map(str, result["panel"]))))
            shown = result["alternates"][:10]
            count = len(result["alternates"])
            more = f" …（共 {count} 人）" if count > 10 else ""
            print("  候补顺序（前 10 位）：{}{}".format(", ".join(map(str, shown)) or "无", more))
            if result["waived"]:
                print("  无人可覆盖、不作要求的学科：{}".format(", ".join(result["waived"])))
            print(f"  记录的 SHA-256（与透明日志比对）：{digest}")
    except Unreadable as exc:
        print(str(exc))
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
