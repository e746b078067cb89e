"""A tiny llama-architecture GGUF model that a test writes for itself: random weights, a byte-level vocabulary.

It is for testing a real llama.cpp-based server's protocol, grammar and chat turns, not for
play: what it says is noise. Two things make its noise usable where a test needs it:

- Its vocabulary is the 256 bytes (GPT-2's byte-to-text mapping) plus three control tokens, so
  any text can be tokenized and any grammar can be followed one byte at a time.
- It leans (`LEANS`) towards a few closing tokens: one embedding dimension is the same for every
  token, and the output rows of `"`, `]`, `,` and `9` read it with a weight far above the random
  weights' scale. Under a grammar its answers are therefore short: strings and lists closed as
  soon as allowed, integers cut after one digit (a plan of one button, valid for 9 steps). That
  matters because llama-cpp-python's JSON schema grammar does not enforce integer bounds: a
  model of pure noise would write a `ttl` of sixteen digits, and no plan would ever be valid.
  Without a grammar its answers stay noise.
"""

from pathlib import Path

import numpy as np

N_EMBD = 32
N_HEAD = 2
N_LAYER = 1
N_FF = 64
CONTEXT = 16384
"""The vocabulary is bytes, so a prompt of ~2,000 estimated tokens is ~8,000 model tokens."""

LEANS = {'"': 8.0, "]": 6.0, ",": 4.0, "9": 2.0}
"""Output-row weights on the constant dimension: the order in which the model prefers these tokens."""

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")


def byte_symbols() -> list[str]:
    """GPT-2's printable stand-in for each byte (the table BPE vocabularies are written in)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    chars = list(printable)
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    table = dict(zip(printable, chars, strict=True))
    return [chr(table[byte]) for byte in range(256)]


def write_tiny_model(path: Path, seed: int = 0) -> Path:
    """Write the model to `path` (a few hundred KB) and return it."""
    import gguf

    rng = np.random.default_rng(seed)
    symbols = byte_symbols()
    tokens = [*symbols, "ĠĠ", *SPECIALS]  # one merge: llama.cpp wants a BPE vocabulary to have merges
    types = [gguf.TokenType.NORMAL] * (len(symbols) + 1) + [gguf.TokenType.CONTROL] * len(SPECIALS)
    n_vocab = len(tokens)
    eos = tokens.index("<|im_end|>")

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("crystal-rl tiny test model (random weights)")
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD)
    writer.add_rope_dimension_count(N_EMBD // N_HEAD)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(n_vocab)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(["Ġ Ġ"])
    writer.add_bos_token_id(tokens.index("<|endoftext|>"))
    writer.add_eos_token_id(eos)
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHAT_TEMPLATE)

    def noise(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    embeddings = noise(n_vocab, N_EMBD)
    embeddings[:, 0] = 1.0  # the constant dimension the leans read
    output = noise(n_vocab, N_EMBD)
    for text, weight in LEANS.items():
        output[tokens.index(symbols[ord(text)]), 0] = weight
    writer.add_tensor("token_embd.weight", embeddings)
    writer.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    writer.add_tensor("output.weight", output)
    for layer in range(N_LAYER):
        block = f"blk.{layer}"
        writer.add_tensor(f"{block}.attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"{block}.{name}.weight", noise(N_EMBD, N_EMBD))
        writer.add_tensor(f"{block}.ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(f"{block}.ffn_gate.weight", noise(N_FF, N_EMBD))
        writer.add_tensor(f"{block}.ffn_up.weight", noise(N_FF, N_EMBD))
        writer.add_tensor(f"{block}.ffn_down.weight", noise(N_EMBD, N_FF))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
