"""Password rules for staff accounts."""

from __future__ import annotations

import string

MIN_LENGTH = 10
MIN_CLASSES = 3
# Passwords shipped in documentation, demos and common lists: never acceptable as a chosen password.
KNOWN_DEFAULTS = frozenset({
    "demo-pass-2026", "password", "password1", "password123", "passw0rd", "p@ssw0rd", "p@ssword1", "admin123",
    "admin@123", "administrator", "qwerty123", "1qaz2wsx", "1qaz@wsx", "abc123456", "12345678", "123456789",
    "1234567890", "87654321", "88888888", "11111111", "a123456789", "iloveyou", "welcome1", "changeme",
    "not-a-real-password", "root@123", "test@123", "qwe123!@#",
})


def _classes(password: str) -> int:
    return sum((
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password) or any(ord(c) > 127 and c.isalpha() for c in password),
    ))


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with `password` as a staff password, in Chinese (empty: acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少 {MIN_LENGTH} 个字符")
    if _classes(password) < MIN_CLASSES:
        problems.append("密码须包含大写字母、小写字母、数字、符号中的至少三类")
    name = username.strip().lower()
    if name and len(name) >= 3 and name in password.lower():
        problems.append("密码不能包含用户名")
    if password.lower() in KNOWN_DEFAULTS:
        problems.append("不能使用默认密码或常见密码")
    return problems
