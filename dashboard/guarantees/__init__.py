"""Guarantees a team can keep: history backtests of a criterion, suggested thresholds, usual movement.

Sits above chaos (a backtest may also replay the chaos scenarios) and below charts, views and the CLI:
:mod:`.suggest` (pure threshold arithmetic), :mod:`.backtest` (a criterion over every past release pair),
:mod:`.usual` (each scope's usual movement: noise floor and historical range). The noise floor itself lives
in :mod:`dashboard.engine.noise`, since the gate needs it. Core: never imports Streamlit.
"""
