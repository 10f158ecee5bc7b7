"""Staff account security (等保 2.0 身份鉴别): password rules, forced change, idle timeout, TOTP second factor;
security headers on every response."""
