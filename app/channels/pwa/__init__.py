"""The installable, offline-capable layer: web app manifest, service worker, offline page."""
