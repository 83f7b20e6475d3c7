"""Evidence packs (DESIGN section 7): self-contained HTML, Markdown and JSON for one release pair or one scope."""
