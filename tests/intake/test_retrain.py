"""Issue 20: the learning loop's library side — registry, promotion gate, promotion, rollback, hot reload."""

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intake.classify import load_classifier
from intake.classify.registry import LIVE, REJECTED, RETIRED, ROLLED_BACK, Registry, RegistryError
from intake.classify.retrain import LABEL_CORRECTED, LABEL_REJECTED, PlatformLabel, gate, retrain, split_labels
from intake.classify.training import TRAIN_REAL_PATH, read_examples

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)

# Long-tail problems the shipped data does not cover (no training text names them), as staff would have labelled
# them on the desk.
HELPFUL = [
    ("墙外那根露天的煤气管子锈得掉渣", "01057"), ("楼边上的燃气管道被车刮了个坑", "01057"),
    ("露天的燃气管线外皮全剥落了", "01057"), ("路边架空的天然气管道支架歪了", "01057"),
    ("街边的公用电话亭玻璃碎了", "01041"), ("路口那个电话亭的门掉了", "01041"),
    ("电话亭的话机被人拆走了", "01041"), ("公用电话亭倒在人行道上", "01041"),
    ("路口的治安岗亭窗户被砸了", "01051"), ("警务亭的门锁坏了一直敞着", "01051"),
    ("广场上的治安亭顶棚漏雨", "01051"), ("社区警务岗亭歪了，墙也裂了", "01051"),
    ("小区里的老水塔裂了缝，往下掉水泥块", "01063"), ("废弃水塔上的铁梯子锈断了", "01063"),
    ("水塔顶上的护栏掉下来了", "01063"), ("那座旧水塔往外渗水，墙皮一片片掉", "01063"),
    ("河边禁止游泳的警示牌倒了", "02030"), ("水库边的水深危险牌子被人拔了", "02030"),
    ("海边的水域警示标牌字都看不清了", "02030"), ("湖边提示牌断成两截", "02030"),
    ("社保卡怎么挂失", None), ("想问问退休手续怎么办", None), ("小孩的疫苗本丢了", None),
    ("网购退款一直不到账", None), ("单位不给开离职证明", None),
]


def labels(pairs, start=NOW - timedelta(days=30)) -> list[PlatformLabel]:
    return [PlatformLabel(text, code, LABEL_CORRECTED if code else LABEL_REJECTED, start + timedelta(hours=i))
            for i, (text, code) in enumerate(pairs)]


@pytest.fixture()
def live(tmp_path: Path, model_file: Path) -> Path:
    path = tmp_path / "model" / "classifier.joblib"
    path.parent.mkdir()
    shutil.copyfile(model_file, path)
    return path


def test_the_newest_labels_are_held_out_for_judging():
    train, held = split_labels(labels(HELPFUL))
    assert len(held) == 5 and [e.text for e in held] == [t for t, _ in HELPFUL[-5:]]
    assert len(train) == len(HELPFUL) - 5 and all(e.group.startswith("platform/") for e in train)
    few_train, few_held = split_labels(labels(HELPFUL[:10]))
    assert few_held == [] and len(few_train) == 10  # too few to judge by: all train


def test_gate_refuses_a_model_worse_on_any_slice():
    current = {"real": {"top1": 0.90, "sent_away": 0.0}, "test": {"top1": 0.91, "sent_away": 0.01}}
    better = {"real": {"top1": 0.92, "sent_away": 0.0}, "test": {"top1": 0.91, "sent_away": 0.01}}
    assert gate(better, current) == []
    worse = {"real": {"top1": 0.95, "sent_away": 0.0}, "test": {"top1": 0.90, "sent_away": 0.01}}
    assert gate(worse, current) == ["test top-1 0.900 < 0.910"]
    loses = {"real": {"top1": 0.95, "sent_away": 0.05}, "test": {"top1": 0.95, "sent_away": 0.0}}
    assert gate(loses, current) == ["real sent away 0.050 > 0.020"]


def test_retrain_promotes_a_better_model_and_running_processes_pick_it_up(live: Path):
    before = load_classifier(live)
    text = "楼外墙上那根露天的煤气管子锈穿了，有股煤气味"
    assert before.classify(text).code != "01057"

    report = retrain(labels(HELPFUL), now=NOW, live_path=live)

    assert report.promoted, report.lines()
    assert report.trained_labels == 20 and report.held_labels == 5
    after = load_classifier(live)  # the same call a running worker makes: the new file is noticed
    assert after is not before and after.info["version"] == "v0002"
    assert after.classify(text).code == "01057"
    registry = Registry(live)
    assert [(v.version, v.status) for v in registry.versions()] == [("v0001", RETIRED), ("v0002", LIVE)]
    assert registry.current().version == "v0002"
    run = registry.runs()[-1]
    assert run["promoted"] and any(line.startswith("  platform") for line in run["lines"])
    assert set(registry.get("v0002").scores) >= {"real", "real/long", "test", "platform"}


def test_retrain_keeps_the_live_model_when_the_candidate_is_worse(live: Path):
    # staff "labels" that contradict the real-register texts: a candidate trained on them must not go live
    real = read_examples(TRAIN_REAL_PATH)
    codes = sorted({e.label for e in real})
    poisoned = [(f"市民反映：{e.text}", codes[(codes.index(e.label) + 7) % len(codes)]) for e in real]
    inode = live.stat().st_ino
    before = load_classifier(live)

    report = retrain(labels([(t, None if c == "OOS" else c) for t, c in poisoned]), now=NOW, live_path=live)

    assert not report.promoted and report.reasons
    assert any("top-1" in reason for reason in report.reasons)
    assert live.stat().st_ino == inode and load_classifier(live) is before
    registry = Registry(live)
    assert registry.get(report.candidate.version).status == REJECTED
    assert registry.current().version == "v0001"
    assert json.loads(registry.index_path.read_text())["runs"][-1]["promoted"] is False


def test_rollback_returns_to_the_previous_live_model(live: Path):
    with pytest.raises(RegistryError):
        Registry(live).rollback()
    retrain(labels(HELPFUL), now=NOW, live_path=live)
    promoted = load_classifier(live)
    assert promoted.info["version"] == "v0002"

    back = Registry(live).rollback()

    assert back.version == "v0001"
    restored = load_classifier(live)
    assert restored is not promoted and "version" not in restored.info  # the base model from `make model`
    statuses = {v.version: v.status for v in Registry(live).versions()}
    assert statuses == {"v0001": LIVE, "v0002": ROLLED_BACK}
    with pytest.raises(RegistryError):
        Registry(live).rollback()


WORKER = """
import sys
from intake.classify import load_classifier
for line in sys.stdin:
    print(load_classifier(sys.argv[1]).classify(line.strip()).code, flush=True)
"""


def test_another_running_process_picks_up_a_promoted_model_without_restarting(live: Path):
    """What an API or Celery worker does per report (intake_runtime.classifier → load_classifier)."""
    import subprocess
    import sys

    text = "楼外墙上那根露天的煤气管子锈穿了，有股煤气味\n"
    root = Path(__file__).resolve().parents[2]
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(live)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=root)
    try:
        worker.stdin.write(text)
        worker.stdin.flush()
        before = worker.stdout.readline().strip()
        assert before and before != "01057"
        assert retrain(labels(HELPFUL), now=NOW, live_path=live).promoted
        worker.stdin.write(text)
        worker.stdin.flush()
        assert worker.stdout.readline().strip() == "01057"
        Registry(live).rollback()
        worker.stdin.write(text)
        worker.stdin.flush()
        assert worker.stdout.readline().strip() == before
    finally:
        worker.stdin.close()
        worker.wait(timeout=30)
