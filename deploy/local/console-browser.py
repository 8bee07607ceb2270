#!/usr/bin/env python3
"""Drives Debian's headless Chromium over the DevTools protocol through the moderators' console, as a moderator
would: sign in, open the top cluster of the queue, qualify it, read its notice. Saves a screenshot of each page at
phone (390 px) and desktop (1280 px) widths. Exits non-zero, with one line, at the first step that fails.

Usage: console-browser.py BASE_URL USER PASSWORD SCREENSHOT_DIR
Needs: chromium, python3-websocket."""
import base64, json, os, shutil, subprocess, sys, tempfile, time, urllib.request

import websocket  # python3-websocket

base, user, password, outdir = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], sys.argv[4]
os.makedirs(outdir, exist_ok=True)


def fail(message):
    print(f"console-browser: {message}", file=sys.stderr)
    sys.exit(1)


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    fail(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, name, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == name:
                    del self.events[: i + 1]
                    return e
            if time.monotonic() > deadline:
                fail(f"no {name} within {timeout} s")
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))

    def eval(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in r:
            fail(f"script failed: {expression[:80]}: {r['exceptionDetails'].get('text')}")
        return r.get("result", {}).get("value")

    def goto(self, url):
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")

    def submit(self, expression):
        """Runs a script that submits a form, and waits for the next page."""
        self.events.clear()
        self.eval(expression)
        self.wait_event("Page.loadEventFired")

    def shoot(self, name):
        for width, label in ((390, "phone"), (1280, "desktop")):
            self.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1,
                      mobile=width < 500)
            height = self.eval("Math.max(document.documentElement.scrollHeight, 600)")
            self.call("Emulation.setDeviceMetricsOverride", width=width, height=min(int(height), 6000),
                      deviceScaleFactor=1, mobile=width < 500)
            png = self.call("Page.captureScreenshot", format="png")["data"]
            with open(os.path.join(outdir, f"{name}-{width}.png"), "wb") as f:
                f.write(base64.b64decode(png))
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)


profile = tempfile.mkdtemp(prefix="vigie-chromium-")
chromium = shutil.which("chromium") or fail("chromium is not installed (apt-get install chromium)")
proc = subprocess.Popen(
    [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
     "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.monotonic() + 30
    while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
        if time.monotonic() > deadline or proc.poll() is not None:
            fail("chromium did not open its DevTools port")
        time.sleep(0.05)
    port = int(open(port_file).read().split("\n")[0])
    targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
    page = Page(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
    page.call("Page.enable")
    page.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)

    # 1. The queue without a session: the sign-in page.
    page.goto(base + "/console/clusters")
    if "/console/login" not in page.eval("location.pathname"):
        fail(f"not sent to the sign-in page: {page.eval('location.href')}")
    page.shoot("login")
    page.submit(
        f"document.getElementById('name').value = {json.dumps(user)};"
        f"document.getElementById('password').value = {json.dumps(password)};"
        "document.querySelector('form button[type=submit]').click()")
    if page.eval("location.pathname") != "/console/clusters":
        fail(f"sign-in did not lead to the queue: {page.eval('location.href')}")
    page.shoot("clusters")

    # 2. The top cluster of the queue.
    href = page.eval("document.querySelector('table.queue tbody a') && document.querySelector('table.queue tbody a').href")
    if not href:
        fail("the queue shows no cluster")
    page.goto(href)
    title = page.eval("document.querySelector('h1').textContent")
    if "Contenu n°" not in title:
        fail(f"unexpected cluster page title: {title}")
    page.shoot("cluster")

    # 3. Qualify it with the first offence of the list.
    page.submit(
        "const s = document.getElementById('offence'); s.selectedIndex = 1;"
        "document.getElementById('qnote').value = 'Qualifié depuis le navigateur.';"
        "s.form.querySelector('button[type=submit]').click()")
    status = page.eval("document.querySelector('h1 .badge').textContent")
    if status != "qualifié":
        fail(f"the cluster is {status!r} after qualifying")
    trail = page.eval("document.getElementById('historique').textContent")
    if f"{user} : nouveau → qualifié" not in trail:
        fail("the audit trail does not name the moderator")
    page.shoot("cluster-qualified")

    # 4. Its notice, as the moderator copies it.
    page.submit("[...document.querySelectorAll('a')].find(a => a.textContent.includes('Lire et copier')).click()")
    notice = page.eval("document.getElementById('notice').value")
    if "article 16" not in notice or "de bonne foi" not in notice:
        fail("the notice page does not hold the DSA notice")
    page.shoot("notice")

    # 5. The other pages a moderator opens: messages received, one of them, accounts, newsletter.
    for path, name in (("/console/reports", "reports"), ("/console/accounts", "accounts"),
                       ("/console/newsletter", "newsletter")):
        page.goto(base + path)
        if page.eval("document.querySelector('h1') !== null") is not True:
            fail(f"{path} has no heading")
        page.shoot(name)
        if name == "reports":
            page.goto(page.eval("document.querySelector('table.queue tbody a').href"))
            page.shoot("report")
    print(f"console-browser: signed in, qualified {href.rsplit('/', 1)[-1]}, read its notice ({len(notice)} chars); "
          f"screenshots in {outdir}")
finally:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(profile, ignore_errors=True)
