"""The training-text generator reproduces the shipped intake/data/train.jsonl."""

import json

from tools import gen_train


def test_generator_matches_shipped_train_jsonl():
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in gen_train.generate())
    assert text == gen_train.OUT.read_text("utf-8"), "rerun `python -m tools.gen_train` and retrain"
