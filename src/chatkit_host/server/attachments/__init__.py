"""The bytes and the lifetime of uploaded attachments: where they are kept, and when unsent ones are swept."""
