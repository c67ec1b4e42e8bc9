-- Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d).
-- One database per service: each can later move to its own server without code changes.
CREATE DATABASE redress_complaints;
CREATE DATABASE redress_adr_gateway;
CREATE DATABASE redress_notifications;
