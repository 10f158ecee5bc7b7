"""The audit trail (等保 2.0 安全审计): who did what to which object, when, from where and why.

Entries are only ever appended, each hashed together with the previous one (`chain`), so an edited or deleted
row breaks the chain at that point (`flask audit verify`). `record` appends inside the caller's transaction;
`tracking` appends for changes to audited tables without the callers doing anything.
"""
