#!/usr/bin/env bash
# `rasa data validate`, failing on every warning except Rasa 3.6's false "utterance not used" warnings for
# responses that are only sent by forms (utter_ask_*) or by custom actions (response="utter_...").
set -uo pipefail
cd "$(dirname "$0")/.."
out="$(.venv/bin/rasa data validate 2>&1)"; status=$?
echo "$out" | grep -E "UserWarning|rasa.validator|completed" | sed 's/\x1b\[[0-9;]*m//g'
[[ $status -eq 0 ]] || { echo "bot-validate: rasa data validate failed"; exit 1; }
bad=0
while IFS= read -r line; do
  utter="$(sed -n "s/.*The utterance '\(utter_[^']*\)' is not used.*/\1/p" <<<"$line")"
  if [[ -n "$utter" ]]; then
    if [[ "$utter" == utter_ask_* ]] || grep -rq "response=\"$utter\"" actions/; then continue; fi
  fi
  # Rasa 3.6 merges retrieval intents into the domain it already has and then reports them as duplicated.
  [[ "$line" == *"duplicated intents have been found across multiple domain files: faq" ]] && continue
  echo "bot-validate: unexpected warning: $line"; bad=1
done < <(echo "$out" | sed 's/\x1b\[[0-9;]*m//g' | grep "UserWarning")
[[ $bad -eq 0 ]] && echo "bot-validate: rasa data validate clean"
exit $bad
