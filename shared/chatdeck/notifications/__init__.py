"""Rendering and sending every email Chatdeck sends; used by services only."""
