"""dvcbot: a chat bot and volunteer coordinator for Vietnamese commune help desks."""
