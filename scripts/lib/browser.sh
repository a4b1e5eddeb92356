# shellcheck shell=bash
# The browser of the console's browser test (eventbus-console/tests/browser.rs)
# for scripts/services.sh: Debian's Chromium and its WebDriver server. A tool,
# not a service: `up` installs it when missing and starts nothing (the test
# starts chromedriver itself, on 127.0.0.1, and stops it).
# Sourced after common.sh.

BROWSER_CHROMIUM=/usr/bin/chromium
BROWSER_CHROMEDRIVER=/usr/bin/chromedriver

# browser_fetch: install Debian's chromium and chromium-driver when missing
# (see apt_install).
browser_fetch() {
  [[ -x $BROWSER_CHROMIUM && -x $BROWSER_CHROMEDRIVER ]] && return 0
  apt_install browser chromium chromium-driver
}

# browser_status: one line, exit 0 when both are installed.
browser_status() {
  if [[ -x $BROWSER_CHROMIUM && -x $BROWSER_CHROMEDRIVER ]]; then
    echo "browser:  installed ($BROWSER_CHROMIUM, $BROWSER_CHROMEDRIVER)"
  else
    echo "browser:  missing (scripts/services.sh up installs chromium and chromium-driver)"
    return 1
  fi
}
