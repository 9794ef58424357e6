"""WeChat Official Account and WeCom callbacks: verification, text round trips, refusals."""
from __future__ import annotations

import base64
import hashlib
import logging
import os
import time

import pytest
import xmltodict
from fastapi import FastAPI
from fastapi.testclient import TestClient
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

from _helpdesk_fakes import LABEL, FakeEngine
from assistant.helpdesk import channels
from assistant.config import Settings
from assistant.helpdesk.admin import install

WX_TOKEN = "wxtoken123"
WX_APPID = "wx1234567890abcdef"
WC_TOKEN = "wecomtoken456"
WC_CORP = "ww0123456789abcdef"
CONTACT = "市财政局政策咨询窗口 0777-1234567"


def aes_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()[:-1]  # 43 characters, as the platforms issue


WX_AES = aes_key()
WC_AES = aes_key()


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(cache_dir=tmp_path, contact=CONTACT, wechat_token=WX_TOKEN, wecom_token=WC_TOKEN,
                    wecom_aes_key=WC_AES, wecom_corp_id=WC_CORP)


def make_app(settings: Settings, engine: FakeEngine | None = None) -> FastAPI:
    app = FastAPI()
    app.state.engine = engine or FakeEngine()
    app.state.answer_listeners = []
    install(app, settings)
    return app


@pytest.fixture
def app(settings):
    return make_app(settings)


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


def wx_params(token: str = WX_TOKEN, **extra: str) -> dict[str, str]:
    ts, nonce = str(int(time.time())), "n" + os.urandom(4).hex()
    return {"signature": sign(token, ts, nonce), "timestamp": ts, "nonce": nonce, **extra}


def wx_text(content: str, user: str = "oUser_openid_1", msg_id: int = 1001, msg_type: str = "text") -> str:
    body = f"<Content><![CDATA[{content}]]></Content>" if msg_type == "text" else "<PicUrl><![CDATA[http://x/y.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId>"
    return (f"<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{body}"
            f"<MsgId>{msg_id}</MsgId></xml>")


def reply_of(response) -> dict:
    assert response.status_code == 200, response.text
    return xmltodict.parse(response.text)["xml"]


BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        '<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><MsgType>text</MsgType>'
        '<Content>&lol3;</Content><MsgId>1</MsgId></xml>')
XXE = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
       '<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><MsgType>text</MsgType>'
       '<Content>&e;</Content><MsgId>1</MsgId></xml>')


# --------------------------------------------------------------------------- WeChat, plaintext mode

def test_wechat_verification_echoes(client):
    r = client.get("/wechat/callback", params=wx_params(echostr="echo-8472"))
    assert r.status_code == 200 and r.text == "echo-8472"


def test_wechat_bad_signature_is_refused_and_logged(client, caplog):
    params = wx_params(echostr="echo-8472")
    params["signature"] = "0" * 40
    with caplog.at_level(logging.WARNING, logger="assistant.helpdesk.channels"):
        r = client.get("/wechat/callback", params=params)
        assert r.status_code == 403 and "echo-8472" not in r.text
        r = client.post("/wechat/callback", params=wx_params(token="wrong"), content=wx_text("专利导航谁出钱？"))
        assert r.status_code == 403
    refusals = [rec for rec in caplog.records if "refused" in rec.getMessage()]
    assert len(refusals) == 2
    assert client.app.state.engine.calls == []          # never answered
    assert client.app.state.qlog.count() == 0


def test_wechat_text_round_trip(client):
    r = client.post("/wechat/callback", params=wx_params(), content=wx_text("知识产权质押融资谁出钱？").encode())
    reply = reply_of(r)
    assert reply["ToUserName"] == "oUser_openid_1" and reply["FromUserName"] == "gh_account"
    assert reply["MsgType"] == "text"
    content = reply["Content"]
    assert content.startswith("第1轮：知识产权质押融资属于市与县区共同财政事权。")
    assert "依据：“将推动知识产权质押融资" in content and "…”" in content  # quote shortened
    assert LABEL in content
    assert "如需人工帮助" not in content                     # answered: no handoff
    assert len(content.encode()) < 2048

    rows = list(client.app.state.qlog.rows())
    assert len(rows) == 1
    row = rows[0]
    assert row["channel"] == "wechat" and row["question"] == "知识产权质押融资谁出钱？"
    assert row["status"] == "answered" and row["anchors"] == [LABEL]
    assert row["matters"] == ["知识产权质押融资"] and len(row["answer_id"]) == 32
    assert row["user_hash"] and "oUser_openid_1" not in row["user_hash"] and row["client_hash"] is None

    # The same user's next message continues the conversation; another user starts afresh.
    reply = reply_of(client.post("/wechat/callback", params=wx_params(), content=wx_text("那县区的呢？", msg_id=1002)))
    assert reply["Content"].startswith("第2轮")
    reply = reply_of(client.post("/wechat/callback", params=wx_params(),
                                 content=wx_text("专利导航谁出钱？", user="oOther", msg_id=1003)))
    assert reply["Content"].startswith("第1轮")


def test_wechat_retry_is_answered_once(client):
    params = wx_params()
    first = reply_of(client.post("/wechat/callback", params=params, content=wx_text("专利导航？", msg_id=77)))
    again = reply_of(client.post("/wechat/callback", params=wx_params(), content=wx_text("专利导航？", msg_id=77)))
    assert first["Content"] == again["Content"]
    assert client.app.state.qlog.count() == 1 and len(client.app.state.engine.calls) == 1


def test_wechat_handoff_contact_when_unanswered(client):
    content = reply_of(client.post("/wechat/callback", params=wx_params(), content=wx_text("商标代理谁管？")))["Content"]
    assert "方案中没有列出这一事项" in content and f"如需人工帮助，请联系：{CONTACT}" in content
    content = reply_of(client.post("/wechat/callback", params=wx_params(),
                                   content=wx_text("谁出钱？", msg_id=5)))["Content"]
    assert "您可以这样问" in content and "专利导航谁出钱？" in content and CONTACT in content
    statuses = sorted(r["status"] for r in client.app.state.qlog.rows())
    assert statuses == ["clarify", "not_listed"]


def test_wechat_non_text_gets_polite_reply(client):
    reply = reply_of(client.post("/wechat/callback", params=wx_params(), content=wx_text("", msg_type="image")))
    assert reply["Content"] == channels.TEXT_ONLY
    assert client.app.state.engine.calls == [] and client.app.state.qlog.count() == 0
    subscribe = ("<xml><ToUserName>gh</ToUserName><FromUserName>oU</FromUserName><CreateTime>1</CreateTime>"
                 "<MsgType>event</MsgType><Event>subscribe</Event></xml>")
    assert reply_of(client.post("/wechat/callback", params=wx_params(), content=subscribe))["Content"] == channels.WELCOME


@pytest.mark.parametrize("body", ["<xml><ToUserName>a", "not xml at all", "<other><a>1</a></other>",
                                  "<xml><ToUserName>a</ToUserName></xml>", BOMB, XXE, ""])
def test_wechat_malformed_xml_is_rejected(client, body):
    r = client.post("/wechat/callback", params=wx_params(), content=body.encode())
    assert r.status_code == 400
    assert "root:" not in r.text and "lollol" not in r.text
    assert client.app.state.engine.calls == [] and client.app.state.qlog.count() == 0


def test_wechat_oversized_body_is_rejected(client):
    big = wx_text("专" * 30_000)  # ~90 KB
    r = client.post("/wechat/callback", params=wx_params(), content=big.encode())
    assert r.status_code == 413
    # Also without a Content-Length (chunked): the stream is cut at the cap.
    r = client.post("/wechat/callback", params=wx_params(), content=iter([big.encode()[:40_000], big.encode()[40_000:]]))
    assert r.status_code == 413
    assert client.app.state.engine.calls == []


def test_wechat_too_long_question_is_not_asked(client):
    content = reply_of(client.post("/wechat/callback", params=wx_params(), content=wx_text("问" * 600)))["Content"]
    assert content == channels.TOO_LONG and client.app.state.engine.calls == []


def test_wechat_replies_in_time_when_the_log_is_slow(settings):
    app = FastAPI()
    app.state.engine = FakeEngine()
    app.state.answer_listeners = [lambda record: time.sleep(1.5)]
    store = install(app, Settings(cache_dir=settings.cache_dir))  # log only: the channel is added below
    app.include_router(channels.wechat_router(app, settings, store, reply_budget_s=0.3))
    with TestClient(app) as c:
        started = time.perf_counter()
        reply = reply_of(c.post("/wechat/callback", params=wx_params(), content=wx_text("专利导航？")))
        assert time.perf_counter() - started < 1.2
        assert reply["Content"].startswith("第1轮")


def test_wechat_off_without_token(tmp_path):
    with TestClient(make_app(Settings(cache_dir=tmp_path))) as c:
        assert c.get("/wechat/callback", params=wx_params(echostr="x")).status_code == 404
        assert c.get("/wecom/callback").status_code == 404


# --------------------------------------------------------------------------- WeChat, safe mode

@pytest.fixture
def safe_client(tmp_path):
    s = Settings(cache_dir=tmp_path, contact=CONTACT, wechat_token=WX_TOKEN, wechat_aes_key=WX_AES,
                 wechat_appid=WX_APPID)
    with TestClient(make_app(s)) as c:
        yield c


def test_wechat_safe_mode_round_trip(safe_client):
    platform = WeChatCrypto(WX_TOKEN, WX_AES, WX_APPID)
    ts, nonce = str(int(time.time())), "safe123"
    envelope = xmltodict.parse(platform.encrypt_message(wx_text("知识产权质押融资谁出钱？"), nonce, ts))["xml"]
    params = {"signature": sign(WX_TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce,
              "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
    body = f"<xml><ToUserName><![CDATA[gh_account]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    r = safe_client.post("/wechat/callback", params=params, content=body)
    assert r.status_code == 200
    out = xmltodict.parse(r.text)["xml"]
    assert "Content" not in out  # the reply is encrypted too
    inner = platform.decrypt_message(r.text, out["MsgSignature"], out["TimeStamp"], out["Nonce"])
    reply = xmltodict.parse(inner)["xml"]
    assert reply["ToUserName"] == "oUser_openid_1" and LABEL in reply["Content"]
    assert [row["channel"] for row in safe_client.app.state.qlog.rows()] == ["wechat"]

    params["msg_signature"] = "f" * 40          # the plain signature is right, the message one is not
    assert safe_client.post("/wechat/callback", params=params, content=body).status_code == 403
    assert safe_client.app.state.qlog.count() == 1


# --------------------------------------------------------------------------- WeCom

def wecom_request(inner_xml: str, crypto: WeComCrypto | None = None) -> tuple[dict, str]:
    crypto = crypto or WeComCrypto(WC_TOKEN, WC_AES, WC_CORP)
    ts, nonce = str(int(time.time())), "wc" + os.urandom(3).hex()
    envelope = xmltodict.parse(crypto.encrypt_message(inner_xml, nonce, ts))["xml"]
    body = (f"<xml><ToUserName><![CDATA[{WC_CORP}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID>"
            f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>")
    return {"msg_signature": envelope["MsgSignature"], "timestamp": ts, "nonce": nonce}, body


def wecom_text(content: str, user: str = "zhangsan", msg_id: int = 2001, msg_type: str = "text") -> str:
    payload = f"<Content><![CDATA[{content}]]></Content>" if msg_type == "text" else "<MediaId>m</MediaId><Format>amr</Format>"
    return (f"<xml><ToUserName><![CDATA[{WC_CORP}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{payload}"
            f"<MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>")


def wecom_reply(response) -> dict:
    assert response.status_code == 200, response.text
    out = xmltodict.parse(response.text)["xml"]
    inner = WeComCrypto(WC_TOKEN, WC_AES, WC_CORP).decrypt_message(response.text, out["MsgSignature"],
                                                                   out["TimeStamp"], out["Nonce"])
    return xmltodict.parse(inner)["xml"]


def test_wecom_verification_echoes_decrypted(client):
    crypto = WeComCrypto(WC_TOKEN, WC_AES, WC_CORP)
    ts = str(int(time.time()))
    echo = crypto.encrypt_message("8821639", "n1", ts)  # the platform encrypts the echo string
    env = xmltodict.parse(echo)["xml"]
    params = {"msg_signature": env["MsgSignature"], "timestamp": ts, "nonce": "n1", "echostr": env["Encrypt"]}
    r = client.get("/wecom/callback", params=params)
    assert r.status_code == 200 and r.text == "8821639"
    params["msg_signature"] = "0" * 40
    r = client.get("/wecom/callback", params=params)
    assert r.status_code == 403 and "8821639" not in r.text


def test_wecom_text_round_trip(client):
    params, body = wecom_request(wecom_text("知识产权质押融资谁出钱？"))
    reply = wecom_reply(client.post("/wecom/callback", params=params, content=body))
    assert reply["ToUserName"] == "zhangsan" and reply["MsgType"] == "text"
    assert reply["Content"].startswith("第1轮") and LABEL in reply["Content"]
    rows = list(client.app.state.qlog.rows())
    assert [(r["channel"], r["status"]) for r in rows] == [("wecom", "answered")]
    assert "zhangsan" not in (rows[0]["session_id"] or "")

    params, body = wecom_request(wecom_text("天气怎么样", msg_id=2002))
    content = wecom_reply(client.post("/wecom/callback", params=params, content=body))["Content"]
    assert CONTACT in content


def test_wecom_bad_signature_refused(client, caplog):
    params, body = wecom_request(wecom_text("专利导航谁出钱？"))
    params["msg_signature"] = "a" * 40
    with caplog.at_level(logging.WARNING, logger="assistant.helpdesk.channels"):
        r = client.post("/wecom/callback", params=params, content=body)
    assert r.status_code == 403
    assert any("wecom callback refused" in rec.getMessage() for rec in caplog.records)
    # Encrypted with another app's key: the signature (made with the right token) passes, decryption does not.
    other = WeComCrypto(WC_TOKEN, aes_key(), WC_CORP)
    params, body = wecom_request(wecom_text("专利导航谁出钱？"), crypto=other)
    assert client.post("/wecom/callback", params=params, content=body).status_code == 400
    assert client.app.state.engine.calls == [] and client.app.state.qlog.count() == 0


@pytest.mark.parametrize("body", ["<xml><Encrypt>", "garbage", BOMB, XXE])
def test_wecom_malformed_xml_rejected(client, body):
    params, _ = wecom_request(wecom_text("x"))
    r = client.post("/wecom/callback", params=params, content=body)
    assert r.status_code == 400
    assert client.app.state.engine.calls == []


def test_wecom_malformed_inner_message_rejected(client):
    params, body = wecom_request("<xml><ToUserName>a</ToUserName></xml>")
    assert client.post("/wecom/callback", params=params, content=body).status_code == 400
    params, body = wecom_request(BOMB)
    assert client.post("/wecom/callback", params=params, content=body).status_code == 400
    assert client.app.state.engine.calls == []


def test_wecom_oversized_body_rejected(client):
    params, body = wecom_request(wecom_text("x"))
    r = client.post("/wecom/callback", params=params, content=body + " " * 70_000)
    assert r.status_code == 413


def test_wecom_non_text_polite(client):
    params, body = wecom_request(wecom_text("", msg_type="voice"))
    assert wecom_reply(client.post("/wecom/callback", params=params, content=body))["Content"] == channels.TEXT_ONLY


def test_invalid_aes_key_fails_at_startup(tmp_path):
    s = Settings(cache_dir=tmp_path, wecom_token="t", wecom_aes_key="short", wecom_corp_id="c")
    with pytest.raises(ValueError, match="ASSISTANT_WECOM_AES_KEY"):
        make_app(s)


def test_format_reply_caps_length():
    result = {"status": "answered", "answer": "结论" * 400,
              "citations": [{"quote": "引文" * 100, "label": "L1"}, {"quote": "q", "label": "L2"}]}
    text = channels.format_reply(result)
    conclusion, quote = text.split("\n")
    assert len(conclusion) == 300 and conclusion.endswith("结…")       # the conclusion is shortened
    assert quote.endswith("…”（L1 等 2 处）") and len(quote) < 90       # so is the quote; the label stays
    text = channels.format_reply({"status": "not_listed", "answer": "没有列出。"}, contact="电话" * 400)
    assert len(text) == channels.MAX_REPLY_CHARS and text.endswith("…")  # the whole reply is capped
    short = channels.format_reply({"status": "answered", "answer": "结论。\n依据：原文]]>",
                                   "citations": [{"quote": "引文", "label": "L1"}, {"quote": "q", "label": "L2"}]})
    assert short == "结论。\n依据：“引文”（L1 等 2 处）"


def test_quote_excerpt_shows_the_matter():
    quote = "将市、县区知识产权转移转化促进，市、县区知识产权运营平台建设，推进各地地理标志运用促进，开展市、县区专利导航，确认为市、县区财政事权。"
    text = channels.excerpt(quote, "专利导航", 40)
    assert text.startswith("…") and "专利导航" in text and len(text) <= 40
    assert channels.excerpt(quote, None, 40) == quote[:39] + "…"
    assert channels.excerpt("短句", "专利导航", 40) == "短句"
    reply = channels.format_reply({"status": "answered", "answer": "专利导航由县区承担。\n依据：……",
                                   "findings": [{"matter": "专利导航", "citation": 0}],
                                   "citations": [{"quote": quote, "label": "L"}]})
    assert "专利导航，确认为" in reply and reply.endswith("（L）")


def test_reply_keeps_list_lines_and_does_not_repeat_suggestions():
    result = {"status": "clarify", "answer": "请说明事项。您可以这样问：\n· 专利导航谁出钱？\n· 作品登记谁出钱？",
              "suggestions": ["专利导航谁出钱？", "作品登记谁出钱？"]}
    text = channels.format_reply(result, CONTACT)
    assert text.count("专利导航谁出钱？") == 1 and "\n· 作品登记谁出钱？" in text
    assert text.endswith(f"如需人工帮助，请联系：{CONTACT}")


# --------------------------------------------------------------------------- replays and stale requests (issue 15)

def wx_params_at(ts: int, token: str = WX_TOKEN) -> dict[str, str]:
    nonce = "n" + os.urandom(4).hex()
    return {"signature": sign(token, str(ts), nonce), "timestamp": str(ts), "nonce": nonce}


@pytest.mark.parametrize("age", [30 * 24 * 3600, 301, -301])
def test_wechat_signed_but_stale_request_is_refused(client, age):
    r = client.post("/wechat/callback", params=wx_params_at(int(time.time()) - age), content=wx_text("专利导航？"))
    assert r.status_code == 403
    assert client.app.state.engine.calls == [] and client.app.state.qlog.count() == 0
    r = client.get("/wechat/callback", params={**wx_params_at(int(time.time()) - age), "echostr": "e"})
    assert r.status_code == 403


def test_wechat_replay_inside_the_window_gets_the_first_reply_and_is_logged_once(client):
    params = wx_params_at(int(time.time()) - 200)      # captured 200 s ago: still fresh (window 300 s)
    body = wx_text("专利导航？", msg_id=4242)
    first = reply_of(client.post("/wechat/callback", params=params, content=body))
    again = reply_of(client.post("/wechat/callback", params=params, content=body))
    assert again["Content"] == first["Content"]
    assert len(client.app.state.engine.calls) == 1 and client.app.state.qlog.count() == 1


def test_wechat_replay_after_the_retry_window_is_still_not_answered_twice(client):
    # De-duplication keeps a reply as long as the freshness window, not just the platforms' 60 s retries.
    params, body = wx_params(), wx_text("专利导航？", msg_id=4343)
    reply_of(client.post("/wechat/callback", params=params, content=body))
    recent = client.app.state.wechat_bot._recent
    for key, (at, reply) in list(recent.items()):
        recent[key] = (at - 120, reply)            # as if the first reply went out two minutes ago
    reply_of(client.post("/wechat/callback", params=params, content=body))
    assert len(client.app.state.engine.calls) == 1 and client.app.state.qlog.count() == 1


def test_freshness_window_is_a_setting(tmp_path):
    s = Settings(cache_dir=tmp_path, wechat_token=WX_TOKEN, channel_max_age_seconds=0)   # 0: off
    with TestClient(make_app(s)) as c:
        r = c.post("/wechat/callback", params=wx_params_at(1_700_000_000), content=wx_text("专利导航？"))
        assert r.status_code == 200


def test_wecom_signed_but_stale_request_is_refused(client):
    crypto = WeComCrypto(WC_TOKEN, WC_AES, WC_CORP)
    ts, nonce = str(int(time.time()) - 3600), "wcold"
    envelope = xmltodict.parse(crypto.encrypt_message(wecom_text("专利导航？"), nonce, ts))["xml"]
    body = f"<xml><ToUserName><![CDATA[{WC_CORP}]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    r = client.post("/wecom/callback", params={"msg_signature": envelope["MsgSignature"], "timestamp": ts,
                                               "nonce": nonce}, content=body)
    assert r.status_code == 403
    assert client.app.state.engine.calls == [] and client.app.state.qlog.count() == 0


# --------------------------------------------------------------------------- the question that crashed the engine

def test_channels_reply_politely_to_the_question_that_crashed_the_engine(settings, engine):
    with TestClient(make_app(settings, engine)) as c:
        reply = reply_of(c.post("/wechat/callback", params=wx_params(), content=wx_text("依据文件文号是省里吗")))
        assert "国办发" in reply["Content"]
        params, body = wecom_request(wecom_text("依据文件文号是省里吗", msg_id=2999))
        r = c.post("/wecom/callback", params=params, content=body)
        assert r.status_code == 200
        crypto = WeComCrypto(WC_TOKEN, WC_AES, WC_CORP)
        out = xmltodict.parse(r.text)["xml"]
        inner = xmltodict.parse(crypto.decrypt_message(r.text, out["MsgSignature"], out["TimeStamp"], out["Nonce"]))
        assert "国办发" in inner["xml"]["Content"]


def test_channels_reply_politely_when_the_engine_fails(settings):
    class Broken(FakeEngine):
        def ask(self, question, context=None):
            raise RuntimeError("engine bug")
    with TestClient(make_app(settings, Broken())) as c:
        reply = reply_of(c.post("/wechat/callback", params=wx_params(), content=wx_text("专利导航？")))
        assert "内部错误" in reply["Content"] and CONTACT in reply["Content"]
