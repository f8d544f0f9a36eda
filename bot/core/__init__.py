"""Channel-neutral conversation core: messages, context, registry, dispatcher."""
