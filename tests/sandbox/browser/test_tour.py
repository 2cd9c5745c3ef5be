"""The guided tour in a real browser: every assertion reads text the app produced."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from bot.sandbox import cast
from bot.sandbox.server import Running
from tests.sandbox.browser.conftest import Page


def test_join_from_the_home_tab_and_from_the_composer(page: Page):
    page.open("/")
    page.wait_text("Join the programme", where=".home")
    page.click("Join as ally", ".home")
    page.wait_text("You're in the programme as an ally.", where=".home")
    page.open(f"/as/{cast.MAYA}/messages")
    page.say("/ally join colleague")
    page.wait_text("Welcome aboard! You're in the programme as a colleague", where=".messages")
    assert "Only visible to you" in page.text()
    # The welcome DM comes through the outbox, from the scheduler's dispatcher.
    page.wait_text("Welcome to Allyship Buddies, and thank you for opting in", where=".messages")


def test_the_admin_runs_a_round_and_the_buddies_get_their_intro(page: Page, site: Running):
    site.sandbox.command(cast.ALEX, "join ally")
    site.sandbox.command(cast.MAYA, "join colleague")
    page.open(f"/as/{cast.ADA}/messages")
    page.say("/ally admin pair preview")
    page.wait_text("Round preview: nothing is stored or sent.", where=".messages")
    page.say("/ally admin pair run")
    page.wait_text("Round created", where=".messages")
    page.open(f"/as/{cast.ALEX}/home")
    link = page.until(lambda: page.driver.find_element(By.PARTIAL_LINK_TEXT, "Maya"))
    link.click()
    page.wait_text("Meet your allyship buddy", where=".messages")
    assert "@Alex Morgan, ally" in page.text() and "@Maya Johnson, colleague" in page.text()
    page.click("Not yet", ".messages")
    page.wait_text("Only visible to you", where=".messages")


def test_the_feedback_modal_checks_fields_and_shows_what_was_stored(page: Page):
    page.open(f"/as/{cast.ALEX}/messages")
    page.say("/ally feedback")
    page.wait_text("Anonymous feedback", where=".modal")
    page.click("Send", ".modal")  # Slack's own check: required fields
    page.wait_text("Please complete this required field.", where=".modal")
    modal = page.driver.find_element(By.CSS_SELECTOR, ".modal")
    select = modal.find_element(By.CSS_SELECTOR, "select")
    select.find_elements(By.CSS_SELECTOR, "option")[2].click()
    modal.find_element(By.CSS_SELECTOR, "textarea").send_keys("   ")
    page.click("Send", ".modal")  # the app's own check, answered with response_action errors
    page.wait_text("Write a few words.", where=".modal")
    area = page.driver.find_element(By.CSS_SELECTOR, ".modal textarea")
    area.clear()
    area.send_keys("Check-ins help, but <!channel> the timing is hard.")
    page.click("Send", ".modal")
    page.wait_text("Stored", where=".modal")
    shown = page.driver.find_element(By.CSS_SELECTOR, ".modal").text
    assert "the timing is hard" in shown and "Not stored: your name" in shown
    page.click("Close", ".modal")
    page.until(lambda: not page.driver.find_elements(By.CSS_SELECTOR, ".modal"))


def test_a_week_later_a_lead_reads_the_digest_and_its_chart(page: Page):
    page.open(f"/as/{cast.PRIYA}/messages")
    page.click("+1 week", ".panel")
    page.wait_text("Moved the clock 7 days on", timeout=30)
    page.wait_text("Weekly digest: default", where=".messages")

    def chart_width() -> object:
        # Found afresh each time: the page reloads itself when a message arrives.
        image = page.driver.find_element(By.CSS_SELECTOR, ".file-image")
        return page.driver.execute_script("return arguments[0].naturalWidth", image)

    width = page.until(chart_width, timeout=30)
    assert isinstance(width, int) and width > 300


def test_leave_asks_to_confirm_first(page: Page, site: Running):
    site.sandbox.command(cast.ALEX, "join ally")
    page.open(f"/as/{cast.ALEX}/home")
    page.click("Leave", ".home")
    dialog = page.until(lambda: page.driver.find_element(By.CSS_SELECTOR, "dialog[open]"))
    assert "Leave the programme?" in dialog.text
    page.click("Stay", "dialog")
    page.open(f"/as/{cast.ALEX}/home")
    page.wait_text("You're in the programme as an ally", where=".home")
    page.click("Leave", ".home")
    page.click("Leave", "dialog")
    page.wait_text("Join the programme", where=".home")
