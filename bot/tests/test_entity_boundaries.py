"""Every annotated entity must start and end on a Jieba token boundary (with our user dictionary).

DIET tags whole tokens: an entity such as [路灯] inside a token Jieba produced as 路/灯不亮 can never be
predicted, so a misaligned annotation silently teaches the model nothing.
"""
from pathlib import Path
from typing import List, Tuple

import jieba
import pytest
from rasa.shared.nlu.training_data.loading import load_data

BOT_DIR = Path(__file__).resolve().parents[1]
NLU_FILES = [BOT_DIR / "data" / "nlu.yml", BOT_DIR / "tests" / "heldout_nlu.yml"]


@pytest.fixture(scope="module")
def tokenizer() -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    for user_dict in sorted((BOT_DIR / "dictionary").glob("*")):
        tok.load_userdict(str(user_dict))
    return tok


def misaligned(tok: jieba.Tokenizer, path: Path) -> List[Tuple[str, str]]:
    problems = []
    for message in load_data(str(path)).training_examples:
        text = message.get("text")
        tokens = list(tok.tokenize(text))
        starts = {start for _, start, _ in tokens}
        ends = {end for _, _, end in tokens}
        for entity in message.get("entities") or []:
            if entity["start"] not in starts or entity["end"] not in ends:
                words = "/".join(word for word, _, _ in tokens)
                problems.append((text, f"{entity['entity']}={text[entity['start']:entity['end']]} tokens {words}"))
    return problems


@pytest.mark.parametrize("path", NLU_FILES, ids=lambda p: p.name)
def test_entities_align_with_jieba_tokens(tokenizer: jieba.Tokenizer, path: Path) -> None:
    assert path.exists()
    assert misaligned(tokenizer, path) == []


def test_user_dictionary_keeps_city_terms_whole(tokenizer: jieba.Tokenizer) -> None:
    words = [word for word, _, _ in tokenizer.tokenize("香港中路的路灯不亮，井盖也丢了")]
    assert "路灯" in words and "井盖" in words and "香港中路" in words


def test_check_catches_a_misaligned_annotation(tokenizer: jieba.Tokenizer, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text('version: "3.1"\nnlu:\n- intent: inform\n  examples: |\n    - 在香港中[路12](place)号\n',
                   encoding="utf-8")
    assert len(misaligned(tokenizer, bad)) == 1
