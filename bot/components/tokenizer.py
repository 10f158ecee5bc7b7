"""Jieba tokenizer that keeps a phone number written in groups as one token.

Jieba cuts "139 1234 5678" into 139 / " " / 1234 / " " / 5678, and DIET then tags the pieces separately (phone
"139 " and phone "1234 5678"), so a number written the way people write it is not one phone. Merged into one
token, the number gets the `phone` regex feature as a whole and DIET tags it as one entity, whatever the
separators (spaces, dashes, a +86 prefix, full-width digits).
"""
from __future__ import annotations

import re
from typing import List, Sequence, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

# A Chinese mobile number in groups: "139 1234 5678", "139-1234-5678", "+86 150 6321 7788", matched in the text
# with full-width digits and signs made ASCII (one character for one, so positions stay). Only numbers that span
# several Jieba tokens (Jieba cuts full-width digits one by one) change anything.
PHONE_RE = re.compile(r"(?<!\d)(?:\+?86[ \-]?)?1[3-9]\d(?:[ \-]?\d{4}){2}(?!\d)")
HALF_WIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "＋": "+", "－": "-", "　": " "})


def merge_spans(tokens: Sequence[Token], spans: Sequence[Tuple[int, int]], text: str) -> List[Token]:
    """The tokens with those inside each span (that starts and ends on token boundaries) made into one."""
    merged = list(tokens)
    for start, end in spans:
        inside = [i for i, t in enumerate(merged) if t.start >= start and t.end <= end]
        if len(inside) < 2 or merged[inside[0]].start != start or merged[inside[-1]].end != end:
            continue
        merged[inside[0]:inside[-1] + 1] = [Token(text[start:end], start, end)]
    return merged


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class PhoneJiebaTokenizer(JiebaTokenizer):
    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        text = message.get(attribute) or ""
        spans = [m.span() for m in PHONE_RE.finditer(text.translate(HALF_WIDTH))]
        return merge_spans(tokens, spans, text)
