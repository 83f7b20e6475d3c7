"""Dashboard pages (run by ``dashboard/app.py`` through ``st.navigation``) and their UI-only helpers.

Page scripts: review, customers, categories, deals, explore, attribution, chaos_lab, criteria, releases.
Helpers: ``ui`` (sidebar state, messages, tables), ``data`` (cached core calls), ``scope_view``.
"""
