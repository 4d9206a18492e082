"""The console: the web application in Chinese that caseworkers, verifiers, supervisors and
applicants work in (server-rendered with Jinja2; the same actions as the API)."""
