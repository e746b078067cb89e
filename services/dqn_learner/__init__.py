"""The DQN learner: answers every env's frames with an action and learns from them."""
