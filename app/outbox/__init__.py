"""The outbox: effects outside SafeYard (e-mail) written in the transaction of the change they
follow from, and delivered after its commit by one sender at a time (``app.notifications``)."""
