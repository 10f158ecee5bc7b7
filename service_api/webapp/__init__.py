"""The residents' web app under /m/: report by photo, follow, rate, messages and chat from a phone browser.

Pages are thin HTML shells; one small script (static/app.js) talks to the same JSON API as the mini-program,
with the resident's tokens kept on the device (localStorage), never in a URL.
"""
