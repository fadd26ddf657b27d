# An independent Adam in numpy for the issue's [784,100,10] relu/softmax network (eta 0.001, batch 10, 5 epochs):
# the cross-check of the engine's Adam accuracy. Usage: python3 scripts/adam-numpy-check.py SEED normal|zero BATCH [MNIST_DIR]
import gzip, sys
import numpy as np
DIR = sys.argv[4] if len(sys.argv) > 4 else '../shared/data/mnist'
def load(name, off):
    with gzip.open(f'{DIR}/{name}') as f: return np.frombuffer(f.read(), np.uint8, offset=off)
X = load('train-images-idx3-ubyte.gz', 16).reshape(-1, 784)[:50000] / 255.0
Y = load('train-labels-idx1-ubyte.gz', 8)[:50000]
Xt = load('t10k-images-idx3-ubyte.gz', 16).reshape(-1, 784) / 255.0
Yt = load('t10k-labels-idx1-ubyte.gz', 8)
seed = int(sys.argv[1]); bias0 = sys.argv[2]
rng = np.random.default_rng(seed)
W1 = rng.normal(0, 1/np.sqrt(784), (100, 784)); b1 = rng.normal(0, 1, 100) if bias0 == 'normal' else np.zeros(100)
W2 = rng.normal(0, 1/np.sqrt(100), (10, 100)); b2 = rng.normal(0, 1, 10) if bias0 == 'normal' else np.zeros(10)
P = [W1, b1, W2, b2]; M = [np.zeros_like(p) for p in P]; V = [np.zeros_like(p) for p in P]
lr, b1c, b2c, eps, t = 1e-3, 0.9, 0.999, 1e-8, 0
bs = int(sys.argv[3])
for epoch in range(5):
    order = rng.permutation(50000)
    for s in range(0, 50000, bs):
        idx = order[s:s+bs]; x = X[idx]; y = Y[idx]; m = len(idx)
        z1 = x @ W1.T + b1; a1 = np.maximum(z1, 0)
        z2 = a1 @ W2.T + b2; z2 -= z2.max(1, keepdims=True); e = np.exp(z2); a2 = e / e.sum(1, keepdims=True)
        d2 = a2.copy(); d2[np.arange(m), y] -= 1; d2 /= m
        gW2 = d2.T @ a1; gb2 = d2.sum(0)
        d1 = (d2 @ W2) * (z1 > 0)
        gW1 = d1.T @ x; gb1 = d1.sum(0)
        t += 1
        for i, g in enumerate([gW1, gb1, gW2, gb2]):
            M[i] = b1c * M[i] + (1 - b1c) * g; V[i] = b2c * V[i] + (1 - b2c) * g * g
            P[i] -= lr / (1 - b1c**t) * M[i] / (np.sqrt(V[i]) / np.sqrt(1 - b2c**t) + eps)
    a1 = np.maximum(Xt @ W1.T + b1, 0); pred = (a1 @ W2.T + b2).argmax(1)
    print(epoch + 1, (pred == Yt).mean(), flush=True)
