"""The review console: Lockgate's runs, gates, models, endpoints, alarms and lineage in a browser.

Server-rendered HTML and inline SVG from the standard library's HTTP server (docs/console.md says
why); it reads through the CLI's adapters and decides through the CLI's approve / reject code.
"""
