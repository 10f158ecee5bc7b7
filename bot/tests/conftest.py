"""pytest setup for the bot: run from anywhere, import the ``actions`` package from bot/."""
import os
import sys
from pathlib import Path

BOT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BOT_DIR))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
