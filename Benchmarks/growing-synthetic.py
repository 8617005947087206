"""K → K+1 manifests for Benchmarks/growing.sh, from a `hyperlearn generate --modalities 4 --order 4` folder:
k3.yaml (m0–m2 and the 3rd-order relation of each hyperedge's first three members) and k4.yaml (that,
plus m3 and the 4th-order relation itself)."""
import sys
import numpy as np

folder = sys.argv[1]
for part in ("train", "test"):
    four = np.load(f"{folder}/{part}_data.npz")[f"{part}_data"]
    np.savez(f"{folder}/{part}3.npz", **{f"{part}3": np.unique(four[:, :3], axis=0)})

def modality(m):
    return f"  m{m}:\n    count: {np.load(f'{folder}/train_data.npz')['nums_type'][m]}\n" \
           f"    graph: {{file: graph_{m}.tsv, delimiter: \"\\t\", columns: [0, 1]}}\n"

link3 = """  link3:
    members: [m0, m1, m2]
    task: link
    train: {file: train3.npz, array: train3}
    test: {file: test3.npz, array: test3}
"""
link4 = """  link4:
    members: [m0, m1, m2, m3]
    task: link
    train: {file: train_data.npz, array: train_data}
    test: {file: test_data.npz, array: test_data}
"""
with open(f"{folder}/k3.yaml", "w") as f:
    f.write("name: synthetic-k3\nmodalities:\n" + "".join(modality(m) for m in range(3)) + "relations:\n" + link3)
with open(f"{folder}/k4.yaml", "w") as f:
    f.write("name: synthetic-k4\nmodalities:\n" + "".join(modality(m) for m in range(4)) + "relations:\n" + link3 + link4)
