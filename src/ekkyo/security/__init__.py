"""Security seams shared by the apps: secrets at rest, outbound URL guard, sign-in limits,
response headers and the system checks that keep a deployment honest (docs/security.md)."""
