"""`assistant serve` for the end-to-end test, with the fake engine: settings come from the environment
exactly as in production (create_app() → load_settings()); only the engine is the test double, so the
test does not depend on compiled rules. Usage: python tests/_serve_fake.py PORT"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn  # noqa: E402

from _helpdesk_fakes import FakeEngine  # noqa: E402
from assistant.service.api import create_app  # noqa: E402

if __name__ == "__main__":
    uvicorn.run(create_app(engine=FakeEngine()), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
