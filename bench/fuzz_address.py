"""Fuzz the address parser / forward geocoder (intake.geo Geocoder.forward) with hostile text.

    .venv/bin/python bench/fuzz_address.py                      # 20000 cases, seed 1, up to 4000 chars
    .venv/bin/python bench/fuzz_address.py --cases 100000 --max-len 256 --seed 7

Categories: random unicode (every plane, controls, surrogate-free), address alphabet soup, road/number/direction
token chains, repeated units (号, 和, brackets, digits), mixed scripts and emoji. Every call must return a
GeocodeResult (never raise) within --limit seconds of CPU. Prints per category the count, p50/p99/max CPU ms and
the slowest inputs; exit status 1 on any crash or any call over the limit. Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from intake.geo import Geocoder, GeocodeResult, load_gazetteer

DEMO = Path(__file__).resolve().parent.parent / "intake" / "data" / "demo_city"
ALPHABET = ("市南区香港中路湛山号栋单元室东西南北侧米约近旁和与交叉口附近"
            "一二三四五六七八九十百千0123456789-（）()#、，。 ")
TOKENS = ["香港中路", "湛山路", "南京路", "12号", "3栋2单元", "和", "与", "东侧", "50米", "约", "附近", "市南区",
          "青岛市", "山东省", "交叉口", "（", "）", "-", "#", "🚧", "\x00", "\u200b", "\u202e"]
UNITS = ["号", "和", "12号", "香港中路和", "(", "（", "1", "-", "东侧", "市南区", "路"]
SCRIPTS = ["Hong Kong Rd", "ハンコン", "홍콩중로", "שלום", "مرحبا", "Привет", "🏳️‍🌈", "👩‍👩‍👧", "ㄒㄧㄤ", "𠀀𠀁"]
CATEGORIES = ("unicode", "alphabet", "tokens", "repeat", "scripts")


def case(rng: random.Random, category: str, max_len: int) -> str:
    n = rng.choice([rng.randint(0, 40), rng.randint(0, 300), rng.randint(0, max_len)])
    if category == "unicode":
        chars = []
        for _ in range(n):
            point = rng.choice([rng.randint(0, 0x1F), rng.randint(0x20, 0x7E), rng.randint(0x4E00, 0x9FFF),
                                rng.randint(0x1F300, 0x1FAFF), rng.randint(0xE000, 0xFFFD),
                                rng.randint(0x20000, 0x2A6DF)])
            chars.append(chr(point))
        return "".join(chars)
    if category == "alphabet":
        return "".join(rng.choice(ALPHABET) for _ in range(n))
    if category == "tokens":
        text = ""
        while len(text) < n:
            text += rng.choice(TOKENS)
        return text[:max_len]
    if category == "repeat":
        unit = rng.choice(UNITS)
        return (rng.choice(["", "香港中路"]) + unit * (n // len(unit) + 1))[:max_len]
    return "".join(rng.choice(SCRIPTS + TOKENS) for _ in range(n // 4 + 1))[:max_len]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-len", type=int, default=4000, help="longest input (the API's description limit)")
    parser.add_argument("--limit", type=float, default=0.2, help="CPU seconds allowed per call")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    geocoder = Geocoder(load_gazetteer(DEMO))
    times: dict[str, list[tuple[float, str]]] = defaultdict(list)
    crashes: list[tuple[str, str]] = []
    for i in range(args.cases):
        category = CATEGORIES[i % len(CATEGORIES)]
        text = case(rng, category, args.max_len)
        started = time.process_time()
        try:
            result = geocoder.forward(text)
            if not isinstance(result, GeocodeResult):
                crashes.append((text, f"returned {type(result).__name__}"))
        except Exception as exc:  # what the fuzzer looks for
            crashes.append((text, repr(exc)))
        times[category].append((time.process_time() - started, text))
    print(f"{args.cases} cases, seed {args.seed}, up to {args.max_len} chars, limit {args.limit * 1000:.0f} ms CPU\n")
    print("| category | cases | p50 ms | p99 ms | max ms | over limit |")
    print("|---|---|---|---|---|---|")
    over_total = 0
    for category in CATEGORIES:
        values = sorted(times[category])
        secs = [v for v, _ in values]
        over = sum(1 for v in secs if v > args.limit)
        over_total += over
        print(f"| {category} | {len(secs)} | {secs[len(secs) // 2] * 1000:.2f} | "
              f"{secs[int(len(secs) * 0.99)] * 1000:.2f} | {secs[-1] * 1000:.1f} | {over} |")
    slowest = sorted((v for values in times.values() for v in values), reverse=True)[:5]
    print("\nslowest inputs:")
    for seconds, text in slowest:
        print(f"  {seconds * 1000:8.1f} ms  {len(text):5d} chars  {text[:60]!r}")
    print(f"\ncrashes: {len(crashes)}")
    for text, error in crashes[:10]:
        print(f"  {error}: {text[:80]!r}")
    return 1 if crashes or over_total else 0


if __name__ == "__main__":
    raise SystemExit(main())
