"""Demo credentials of the local sandbox: public, printed by `pbw sandbox serve`, used when nothing is set."""

SANDBOX_AK = "SANDBOXAKPBW00000000"
SANDBOX_SK = "sandbox-sk-not-a-secret-0123456789abcdef"
SANDBOX_DOMAIN_ID = "0c5f8d6e2a7b4c1d9e3f5a7b8c9d0e1f"
SANDBOX_IAM_USER = "sandbox-finance"
SANDBOX_IAM_PASSWORD = "sandbox-password-not-a-secret"  # noqa: S105 - public demo value of the local sandbox
SANDBOX_DEFAULT_URL = "http://127.0.0.1:8765"
