"""The console: a web UI served by the LRS itself at /console/ (server-rendered, no CDN)."""
