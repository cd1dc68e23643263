"""SafeYard: the Almaty yard safety checklist service."""
