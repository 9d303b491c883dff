"""Drives Signet's web console in headless Chromium (Selenium), for ConsoleBrowserTests.

Reads a JSON plan (argv[1]), walks the console as an admin and as an auditor, saves a
screenshot of every page, and prints one JSON object with what it saw. It judges nothing
itself beyond "this element was there": the Swift test decides what must hold.
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

plan = json.load(open(sys.argv[1]))
shots = plan["screenshots"]
os.makedirs(shots, exist_ok=True)
seen = {"pages": {}, "errors": []}


def browser(profile, size="1280,900"):
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={size}", f"--user-data-dir={profile}",
                     # Trusts the test server's key alone, not every certificate.
                     f"--ignore-certificate-errors-spki-list={plan['spki']}"]:
        options.add_argument(argument)
    options.binary_location = plan.get("chromium", "/usr/bin/chromium")
    return webdriver.Chrome(service=Service(plan.get("chromedriver", "/usr/bin/chromedriver")), options=options)


def sign_in(driver, link):
    driver.get(link)
    for _ in range(50):
        if driver.current_url.endswith("/console"):
            return True
        time.sleep(0.1)
    return False


def visit(driver, who, name, path):
    driver.get(plan["base"] + path)
    heading = driver.find_elements(By.TAG_NAME, "h1")
    page = {
        "url": driver.current_url,
        "title": driver.title,
        "h1": heading[0].text if heading else None,
        "error": [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#error .message")],
        # Forms that change state: every POST form but signing out.
        "post_forms": [f.get_attribute("action") for f in driver.find_elements(By.CSS_SELECTOR, "form[method=post]:not(.signout)")],
        "buttons": [b.text for b in driver.find_elements(By.CSS_SELECTOR, "main button")],
    }
    driver.save_screenshot(os.path.join(shots, f"{who}-{name}.png"))
    seen["pages"][f"{who}:{name}"] = page
    return page


def submit(driver, button, expect):
    """Clicks a form's button and waits for the page it leads to (one showing `expect`):
    a click returns before the browser has loaded the answer."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, button).click()
    WebDriverWait(driver, 15).until(expected_conditions.staleness_of(old))
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, expect))


def text(driver, selector):
    try:
        return driver.find_element(By.CSS_SELECTOR, selector).text
    except NoSuchElementException:
        return None


admin = browser(os.path.join(shots, "profile-admin"))
try:
    seen["admin_signed_in"] = sign_in(admin, plan["admin_link"])
    pages = [("overview", "/console"), ("cas", "/console/cas"), ("ca", f"/console/cas/{plan['ca']}"),
             ("certificates", "/console/certificates"), ("certificate", f"/console/certificates/{plan['serial']}"),
             ("devices", "/console/devices"), ("device", f"/console/devices/{plan['device']}"),
             ("audit", "/console/audit"), ("audit-verify", "/console/audit/verify"),
             ("profiles", "/console/profiles"), ("profile", f"/console/profiles/{plan['profile']}"),
             ("dms-list", "/console/dms"), ("dms", f"/console/dms/{plan['dms']}"), ("jobs", "/console/jobs")]
    for name, path in pages:
        visit(admin, "admin", name, path)
    admin.get(plan["base"] + "/console")
    seen["device_chart_bars"] = len(admin.find_elements(By.CSS_SELECTOR, "#device-chart rect"))

    # Search by filter, as typed into the box.
    admin.get(plan["base"] + "/console/certificates")
    box = admin.find_element(By.CSS_SELECTOR, "#search input[name=q]")
    box.clear()
    box.send_keys(plan["search"])
    submit(admin, "#search button", "#certificates")
    seen["search_results"] = [a.text for a in admin.find_elements(By.CSS_SELECTOR, "#certificates tbody a")]
    admin.save_screenshot(os.path.join(shots, "admin-certificates-search.png"))
    # A filter the query language does not know: a page that says what was wrong.
    box = admin.find_element(By.CSS_SELECTOR, "#search input[name=q]")
    box.clear()
    box.send_keys("colour[eq]blue")
    submit(admin, "#search button", "#error")
    seen["bad_search"] = {"h1": text(admin, "h1"), "message": text(admin, "#error .message"), "status": text(admin, "#error .status")}

    # Explain a CSR against a profile: each rule's decision.
    admin.get(plan["base"] + f"/console/profiles/{plan['profile']}")
    admin.find_element(By.CSS_SELECTOR, "#explain textarea").send_keys(plan["csr"])
    submit(admin, "#explain button", "#explanation, #error")
    seen["explained"] = {"verdict": text(admin, "#explanation h2"),
                         "rules": [r.text for r in admin.find_elements(By.CSS_SELECTOR, "#rules tbody tr")]}
    admin.save_screenshot(os.path.join(shots, "admin-profile-explained.png"))

    # An enrollment passcode: shown once.
    admin.get(plan["base"] + f"/console/dms/{plan['passcode_dms']}")
    admin.find_element(By.CSS_SELECTOR, "#new-passcode input[name=device_id]").send_keys(plan["passcode_device"])
    submit(admin, "#new-passcode button", "#passcode, #error")
    seen["passcode"] = text(admin, "#passcode code")
    admin.save_screenshot(os.path.join(shots, "admin-dms-passcode.png"))
    admin.get(plan["base"] + f"/console/dms/{plan['passcode_dms']}")
    seen["passcode_after_reload"] = text(admin, "#passcode code")

    # Revoke the certificate.
    admin.get(plan["base"] + f"/console/certificates/{plan['serial']}")
    Select(admin.find_element(By.ID, "reason")).select_by_visible_text("KeyCompromise")
    submit(admin, "#revoke button", "#notice, #error")
    seen["revoked"] = {"notice": text(admin, "#notice"), "status": text(admin, "#certificate-status")}
    admin.save_screenshot(os.path.join(shots, "admin-certificate-revoked.png"))

    # Decommission the device.
    admin.get(plan["base"] + f"/console/devices/{plan['device']}")
    submit(admin, "#decommission", "#notice, #error")
    seen["decommissioned"] = {"notice": text(admin, "#notice"), "status": text(admin, "#device-status")}
    admin.save_screenshot(os.path.join(shots, "admin-device-decommissioned.png"))

    # A tablet's width.
    admin.set_window_size(768, 1024)
    admin.get(plan["base"] + "/console")
    admin.save_screenshot(os.path.join(shots, "admin-overview-tablet.png"))
    seen["tablet_scroll_width"] = admin.execute_script("return document.documentElement.scrollWidth")
except Exception as error:  # reported, and the test fails on it
    seen["errors"].append(f"admin: {type(error).__name__}: {error}")
finally:
    admin.quit()

auditor = browser(os.path.join(shots, "profile-auditor"))
try:
    seen["auditor_signed_in"] = sign_in(auditor, plan["auditor_link"])
    for name, path in [("overview", "/console"), ("ca", f"/console/cas/{plan['ca']}"),
                       ("certificate", f"/console/certificates/{plan['active_serial']}"),
                       ("device", f"/console/devices/{plan['active_device']}"), ("audit", "/console/audit"),
                       ("profile", f"/console/profiles/{plan['profile']}"), ("dms", f"/console/dms/{plan['passcode_dms']}")]:
        visit(auditor, "auditor", name, path)
    # The spent admin link opens nothing for anyone else.
    auditor.get(plan["admin_link"])
    seen["reused_link"] = {"h1": text(auditor, "h1"), "status": text(auditor, "#error .status")}
except Exception as error:
    seen["errors"].append(f"auditor: {type(error).__name__}: {error}")
finally:
    auditor.quit()

print(json.dumps(seen))
