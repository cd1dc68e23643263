"""The intake: a filled checklist from any channel, accepted in one transaction.

Cross-domain work in one place (Netflix/dispatch's "flows"): validation (submissions),
placement (yards, districts), scoring, the stored row, the yard's kept risk and the outbox of
effects outside SafeYard. Channels translate their input into it and its result back.
"""
