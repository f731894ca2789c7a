"""Run by test_browser.py in its own process (Playwright's sync API allows one instance per process,
and the e2e tests hold theirs): edits a resume in place and prints what it saw as JSON."""
from __future__ import annotations

import json
import sys

from playwright.sync_api import expect, sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS


def main(base_url: str, username: str, password: str, resume_id: str) -> dict:
    expect.set_options(timeout=TIMEOUT_MS)
    messages: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=base_url, locale="en-US")
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
            page.on("dialog", lambda dialog: dialog.accept())
            page.goto("/auth/login")
            page.locator("input[name=username]").fill(username)
            page.locator("input[name=password]").fill(password)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url("**/student/")
            page.goto(f"/resumes/{resume_id}")
            page.evaluate("window.__notReloaded = true")
            section = page.locator("#section-skill")
            for name in ("心肺复苏", "病历书写"):
                section.get_by_role("link", name="+ Add an entry").click()
                form = page.locator("#section-skill form.section-form")
                form.locator("input[name=name]").fill(name)
                form.get_by_role("button", name="Save").click()
                expect(page.locator("#section-skill .entry-title").last).to_have_text(name)
            page.locator("#section-skill .resume-item").nth(1).get_by_role("button", name="Move up").click()
            expect(page.locator("#section-skill .entry-title").first).to_have_text("病历书写")
            page.locator("#section-skill .resume-item").first.get_by_role("button", name="Remove").click()
            expect(page.locator("#section-skill .entry-title")).to_have_count(1)
            page.locator("#section-intention").get_by_role("link", name="Edit").click()
            page.locator("#section-intention input[name=position]").fill("儿科住院医师")
            page.locator("#section-intention").get_by_role("button", name="Save").click()
            expect(page.locator("#section-intention")).to_contain_text("儿科住院医师")
            return {
                "not_reloaded": page.evaluate("window.__notReloaded === true"),
                "skills": page.locator("#section-skill .entry-title").all_inner_texts(),
                "messages": messages,
            }
        finally:
            browser.close()


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:5]), ensure_ascii=False))
