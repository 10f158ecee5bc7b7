"""Developer tools that generate the data the `intake` library ships (run from the repository root).

- `python -m tools.gen_train`: the classifier's training texts, intake/data/train.jsonl.
- `python -m tools.demo_city intake/data/demo_city`: the demo gazetteer of 青岛市市南区.

Not part of the product: tools may import `intake`; nothing imports tools except the tests.
"""
