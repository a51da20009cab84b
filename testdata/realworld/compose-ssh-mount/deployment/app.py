import os
import pickle

from flask import Flask, jsonify, request

app = Flask(__name__)
model = None


def load_model() -> None:
    global model
    with open(os.environ.get("MODEL_PATH", "../models/model.pkl"), "rb") as f:
        model = pickle.load(f)


@app.get("/health")
def health():
    return jsonify(status="healthy" if model is not None else "unhealthy"), (200 if model is not None else 503)


@app.post("/predict")
def predict():
    features = request.get_json()
    return jsonify(hours=float(model.predict([features])[0]))


if __name__ == "__main__":
    load_model()
    app.run(host="0.0.0.0", port=5000)
