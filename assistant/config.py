"""Settings read from the environment at the edge; everything else receives them as values."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = Path(__file__).resolve().parent / "data"


def yaml_load(text: str):
    """YAML through libyaml when it is there (several times faster at start-up)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _session_store(value: str | None) -> str:
    value = (value or "database").strip().lower()
    if value not in ("database", "memory"):
        raise ValueError(f"ASSISTANT_SESSION_STORE 应为 database 或 memory，而不是 {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path | None = None          # None → the project's own corpus/ and rules/
    cache_dir: Path = PROJECT_ROOT / ".cache"
    db_url: str | None = None             # None → SQLite file under the data folder (help desk log)
    admin_token: str | None = None        # None → admin is off
    contact: str | None = None            # help-desk contact added to unanswered replies
    allowed_origins: list[str] = field(default_factory=list)  # embedding origins (CORS, frame-ancestors)
    default_doc: str | None = "qinzhou-ip-fiscal-plan-2025"   # where questions naming no document go
    session_max: int = 10_000
    session_ttl_seconds: float = 3600.0
    session_store: str = "database"       # "database": shared by workers and hosts; "memory": this process only
    trusted_proxies: list[str] = field(default_factory=list)  # X-Forwarded-For is believed from these only
    wechat_token: str | None = None
    wechat_aes_key: str | None = None
    wechat_appid: str | None = None
    wecom_token: str | None = None
    wecom_aes_key: str | None = None
    wecom_corp_id: str | None = None
    channel_max_age_seconds: float = 300.0   # WeChat/WeCom: refuse signed requests older (or newer) than this

    @property
    def corpus_dir(self) -> Path:
        return (self.data_dir / "corpus") if self.data_dir else PROJECT_ROOT / "corpus"

    @property
    def rules_dir(self) -> Path:
        return (self.data_dir / "rules") if self.data_dir else PROJECT_ROOT / "rules"

    @property
    def state_dir(self) -> Path:
        """Where runtime state (question log, CLI sessions) lives."""
        return self.data_dir if self.data_dir else self.cache_dir


def load_settings(env: dict[str, str] | None = None, data_dir: str | Path | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    data = data_dir or env.get("ASSISTANT_DATA") or None
    data = Path(data).resolve() if data else None
    # The cache goes with the data it was built from: $ASSISTANT_CACHE, else DATA/.cache, else the
    # project's .cache/ (a data folder elsewhere never writes into the project).
    cache = Path(env["ASSISTANT_CACHE"]).resolve() if env.get("ASSISTANT_CACHE") else \
        (data / ".cache" if data else PROJECT_ROOT / ".cache")
    return Settings(
        data_dir=data,
        cache_dir=cache,
        db_url=env.get("ASSISTANT_DB_URL") or None,
        admin_token=env.get("ASSISTANT_ADMIN_TOKEN") or None,
        contact=env.get("ASSISTANT_CONTACT") or None,
        allowed_origins=_split(env.get("ASSISTANT_ALLOWED_ORIGINS")),
        default_doc=env.get("ASSISTANT_DEFAULT_DOC") or "qinzhou-ip-fiscal-plan-2025",
        session_max=int(env.get("ASSISTANT_SESSION_MAX", "10000")),
        session_ttl_seconds=float(env.get("ASSISTANT_SESSION_TTL", "3600")),
        session_store=_session_store(env.get("ASSISTANT_SESSION_STORE")),
        trusted_proxies=_split(env.get("ASSISTANT_TRUSTED_PROXIES")),
        wechat_token=env.get("ASSISTANT_WECHAT_TOKEN") or None,
        wechat_aes_key=env.get("ASSISTANT_WECHAT_AES_KEY") or None,
        wechat_appid=env.get("ASSISTANT_WECHAT_APPID") or None,
        wecom_token=env.get("ASSISTANT_WECOM_TOKEN") or None,
        wecom_aes_key=env.get("ASSISTANT_WECOM_AES_KEY") or None,
        wecom_corp_id=env.get("ASSISTANT_WECOM_CORP_ID") or None,
        channel_max_age_seconds=float(env.get("ASSISTANT_CHANNEL_MAX_AGE") or "300"),
    )
